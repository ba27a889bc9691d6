import Foundation

/// Formats instants for people in one time zone: `14:07:05`, `14:07`, `2026-11-23`.
/// Stored times are UTC; only display converts.
public struct TimeText: Sendable {
    public let timeZone: TimeZone
    private let calendar: Calendar

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    /// `HH:MM:SS`, or `MM-DD HH:MM:SS` with the date.
    public func time(_ date: Date, withDate: Bool = false) -> String {
        let c = calendar.dateComponents([.month, .day, .hour, .minute, .second], from: date)
        let clock = "\(Self.two(c.hour!)):\(Self.two(c.minute!)):\(Self.two(c.second!))"
        return withDate ? "\(Self.two(c.month!))-\(Self.two(c.day!)) \(clock)" : clock
    }

    /// `HH:MM`, or `MM-DD HH:MM` with the date: key times are to the minute.
    public func minute(_ date: Date, withDate: Bool = false) -> String {
        let c = calendar.dateComponents([.month, .day, .hour, .minute], from: date)
        let clock = "\(Self.two(c.hour!)):\(Self.two(c.minute!))"
        return withDate ? "\(Self.two(c.month!))-\(Self.two(c.day!)) \(clock)" : clock
    }

    /// `YYYY-MM-DD`.
    public func day(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return "\(c.year!)-\(Self.two(c.month!))-\(Self.two(c.day!))"
    }

    /// `YYYY-MM-DD HH:MM`.
    public func dayAndMinute(_ date: Date) -> String { "\(day(date)) \(minute(date))" }

    /// Whether two instants fall on different calendar days here (a timeline spanning midnight shows dates).
    public func differentDays(_ a: Date, _ b: Date) -> Bool { !calendar.isDate(a, inSameDayAs: b) }

    /// The zone as people write it: `UTC`, `UTC+08:00`.
    public var zoneLabel: String {
        let seconds = timeZone.secondsFromGMT()
        if seconds == 0 { return "UTC" }
        let sign = seconds < 0 ? "-" : "+"
        let minutes = abs(seconds) / 60
        return "UTC\(sign)\(Self.two(minutes / 60)):\(Self.two(minutes % 60))"
    }

    private static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
