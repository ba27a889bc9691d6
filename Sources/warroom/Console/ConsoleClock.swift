import Foundation
import IncidentCore

/// The console's idea of now: the wall clock, or one that starts at a chosen moment and runs faster,
/// so drills and end-to-end tests can watch cadences fall due without waiting.
struct ConsoleClock: Sendable {
    /// The reading at `origin`.
    let start: Date
    /// Clock seconds per real second.
    let speed: Double
    /// Monotonic uptime when the clock was made; accelerated readings count from it, immune to wall-clock jumps.
    private let origin: TimeInterval
    private let isWallClock: Bool

    /// Real time.
    static var system: ConsoleClock { ConsoleClock(start: Date(), speed: 1, wall: true) }

    /// Starts at `start` and advances `speed` seconds per real second.
    static func accelerated(start: Date, speed: Double) -> ConsoleClock {
        ConsoleClock(start: start, speed: speed, wall: false)
    }

    private init(start: Date, speed: Double, wall: Bool) {
        self.start = start
        self.speed = speed
        origin = ProcessInfo.processInfo.systemUptime
        isWallClock = wall
    }

    func now() -> Date {
        if isWallClock { return Date() }
        return start.addingTimeInterval((ProcessInfo.processInfo.systemUptime - origin) * speed)
    }

    /// `WARROOM_CLOCK_SPEED` (a positive number, default 1) and `WARROOM_CLOCK_START` (ISO 8601, default
    /// `WARROOM_NOW`, else now). With neither set this is the wall clock.
    static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ConsoleClock {
        let utc = TimeZone(identifier: "UTC")!
        var speed = 1.0
        if let text = environment["WARROOM_CLOCK_SPEED"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            guard let value = Double(text), value.isFinite, value > 0 else {
                throw ConsoleSetupError("WARROOM_CLOCK_SPEED must be a positive number, such as 1 or 60 (got '\(text)')")
            }
            speed = value
        }
        var start: Date?
        for name in ["WARROOM_CLOCK_START", "WARROOM_NOW"] {
            guard let text = environment[name], !text.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            do {
                start = try TimeExpression.parse(text, now: Date(), timeZone: utc)
            } catch {
                throw ConsoleSetupError("\(name) must be an ISO 8601 time such as 2025-03-14T13:58:00Z (got '\(text)')")
            }
            break
        }
        if start == nil, speed == 1 { return .system }
        return .accelerated(start: start ?? Date(), speed: speed)
    }
}

/// A console that cannot start, said in words the user can act on.
struct ConsoleSetupError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}
