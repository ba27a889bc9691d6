import Foundation
import IncidentCore
import Testing

@Suite("Duration text")
struct DurationTextTests {
    @Test(arguments: [
        (0.0, "0s"), (0.9, "0s"), (1, "1s"), (45, "45s"), (59.999, "59s"),
        (60, "1m 00s"), (61, "1m 01s"), (723, "12m 03s"), (3599, "59m 59s"),
        (3600, "1h 00m"), (3661, "1h 01m"), (7500, "2h 05m"), (86_399, "23h 59m"),
        (86_400, "1d 00h"), (277_140, "3d 04h"), (3_456_000, "40d 00h"),
    ] as [(TimeInterval, String)])
    func short(seconds: TimeInterval, text: String) {
        #expect(DurationText.short(seconds) == text)
    }

    /// Negative durations (an overdue countdown) read as the same magnitude with a minus sign.
    @Test(arguments: [
        (-1.0, "-1s"), (-45, "-45s"), (-61, "-1m 01s"), (-7500, "-2h 05m"), (-90_000, "-1d 01h"),
        (-90.5, "-1m 30s"), (-0.5, "0s"), (-0.0, "0s"),
    ] as [(TimeInterval, String)])
    func shortNegative(seconds: TimeInterval, text: String) {
        #expect(DurationText.short(seconds) == text)
    }

    @Test(arguments: [
        (0.0, "0:00"), (0.9, "0:00"), (5, "0:05"), (59, "0:59"), (60, "1:00"), (245, "4:05"), (3599, "59:59"),
        (3600, "1:00:00"), (3723, "1:02:03"), (36_000, "10:00:00"), (90_000, "25:00:00"),
    ] as [(TimeInterval, String)])
    func clock(seconds: TimeInterval, text: String) {
        #expect(DurationText.clock(seconds) == text)
    }

    /// The clock shows the magnitude; the caller says "overdue".
    @Test(arguments: [(-1.0, "0:01"), (-245, "4:05"), (-3723, "1:02:03"), (-0.5, "0:00"), (-90.5, "1:30")] as [(TimeInterval, String)])
    func clockNegative(seconds: TimeInterval, text: String) {
        #expect(DurationText.clock(seconds) == text)
    }

    /// A value and its negation differ only by the sign.
    @Test(arguments: [0.25, 1.5, 59.75, 119.5, 3_600.9, 86_400.5])
    func symmetric(seconds: TimeInterval) {
        let positive = DurationText.short(seconds)
        #expect(DurationText.short(-seconds) == (positive == "0s" ? "0s" : "-" + positive))
        #expect(DurationText.clock(-seconds) == DurationText.clock(seconds))
    }
}
