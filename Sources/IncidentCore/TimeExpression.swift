import Foundation

/// Why a time a person typed could not be read.
public struct TimeParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public var input: String
    /// Set when the time is well formed but a daylight-saving change makes it name no instant, or two.
    public var clockChange: ClockChange?

    /// How a local time fails around a daylight-saving change, in the named zone.
    public enum ClockChange: Equatable, Sendable {
        /// The clocks jumped forward over it.
        case skipped(zone: String)
        /// The clocks went back, so it happened twice.
        case repeated(zone: String)
    }

    public init(input: String, clockChange: ClockChange? = nil) {
        self.input = input
        self.clockChange = clockChange
    }

    public var description: String {
        switch clockChange {
        case nil:
            "invalid time '\(input)': use HH:MM (today), YYYY-MM-DD HH:MM, or ISO 8601 such as 2026-11-23T14:07:00Z"
        case .skipped(let zone)?:
            "'\(input)' never happened in \(zone): the clocks jumped forward over it that day; "
                + "give the time with its UTC offset, such as 2026-03-29T03:30:00+02:00"
        case .repeated(let zone)?:
            "'\(input)' happened twice in \(zone): the clocks went back that day; "
                + "give the time with its UTC offset, such as 2026-10-25T02:30:00+01:00"
        }
    }
}

/// Reads the times a scribe types: `14:07`, `14:07:30`, `2026-11-23 14:07`, or ISO 8601.
public enum TimeExpression {
    /// Parses `text` relative to `now` in `timeZone`.
    /// A bare `HH:MM` means today, or yesterday when today's would lie in the future
    /// (a scribe typing `23:50` at 00:10 means the evening before).
    public static func parse(_ text: String, now: Date, timeZone: TimeZone) throws(TimeParseError) -> Date {
        let input = text.trimmingCharacters(in: .whitespaces)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let fail = TimeParseError(input: text)

        if let (h, m, s) = clockTime(input) {
            let today = calendar.dateComponents([.year, .month, .day], from: now)
            guard var date = makeDate(calendar, today.year!, today.month!, today.day!, h, m, s) else { throw fail }
            if date.timeIntervalSince(now) > 60 {
                let yesterday = calendar.dateComponents([.year, .month, .day], from: calendar.date(byAdding: .day, value: -1, to: date)!)
                guard let earlier = makeDate(calendar, yesterday.year!, yesterday.month!, yesterday.day!, h, m, s) else { throw fail }
                date = earlier
            }
            try checkClockChange(date, calendar: calendar, h: h, m: m, input: text)
            return date
        }

        // Date part, then a space or `T`, then a clock time, then an optional zone.
        let chars = Array(input)
        // `YYYY-MM-DD H:MM` is the shortest form: 15 characters.
        guard chars.count >= 15, chars[10] == " " || chars[10] == "T" || chars[10] == "t",
              let (y, mo, d) = calendarDate(String(chars[0..<10]))
        else { throw fail }
        let rest = String(chars[11...])
        let (clockPart, offset) = splitZone(rest)
        guard let (h, m, s) = clockTime(clockPart, allowFraction: offset != nil) else { throw fail }
        if let offset {
            guard let seconds = offset, let zone = TimeZone(secondsFromGMT: seconds) else { throw fail }
            calendar.timeZone = zone
        }
        guard let date = makeDate(calendar, y, mo, d, h, m, s.rounded(.down)) else { throw fail }
        // An explicit offset names one instant; a local time may name none or two around a daylight-saving change.
        if offset == nil { try checkClockChange(date, calendar: calendar, h: h, m: m, input: text) }
        return date.addingTimeInterval(s - s.rounded(.down))
    }

    /// Refuses a local time that the zone skipped (the calendar moved it) or repeated (an hour either side reads
    /// the same on the wall clock), rather than silently picking an instant.
    private static func checkClockChange(_ date: Date, calendar: Calendar, h: Int, m: Int, input: String) throws(TimeParseError) {
        let zone = calendar.timeZone.identifier
        let wall = calendar.dateComponents([.hour, .minute], from: date)
        if wall.hour != h || wall.minute != m { throw TimeParseError(input: input, clockChange: .skipped(zone: zone)) }
        let fields: Set<Calendar.Component> = [.year, .month, .day, .hour, .minute, .second]
        let reading = calendar.dateComponents(fields, from: date)
        for shift in [-3600.0, 3600.0] where calendar.dateComponents(fields, from: date.addingTimeInterval(shift)) == reading {
            throw TimeParseError(input: input, clockChange: .repeated(zone: zone))
        }
    }

    private static func makeDate(_ calendar: Calendar, _ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ m: Int, _ s: Double) -> Date? {
        let comps = DateComponents(year: y, month: mo, day: d, hour: h, minute: m, second: Int(s))
        guard let date = calendar.date(from: comps) else { return nil }
        let back = calendar.dateComponents([.year, .month, .day], from: date)
        // Reject dates the calendar silently rolled over, such as 2026-02-30.
        guard back.year == y, back.month == mo, back.day == d else { return nil }
        return date
    }

    /// `HH:MM` or `HH:MM:SS` (seconds may carry a fraction in ISO forms).
    private static func clockTime(_ text: String, allowFraction: Bool = false) -> (Int, Int, Double)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        // Digits only: `Int` alone would also take a sign, so `+1:05` or `14:+5` would read as times.
        guard parts.count == 2 || parts.count == 3,
              parts[0].count == 2 || parts[0].count == 1, parts[1].count == 2,
              parts[0].allSatisfy(isDigit), parts[1].allSatisfy(isDigit),
              let h = Int(parts[0]), let m = Int(parts[1]), (0...23).contains(h), (0...59).contains(m)
        else { return nil }
        var s = 0.0
        if parts.count == 3 {
            let sec = parts[2]
            let whole = sec.prefix(while: { $0 != "." })
            // A fraction is `.` and at least one digit; `Double` alone would also take `00.` or `00.5e1`.
            let fraction = sec.dropFirst(whole.count)
            guard whole.count == 2, whole.allSatisfy(isDigit),
                  fraction.isEmpty || (allowFraction && fraction.count > 1 && fraction.dropFirst().allSatisfy(isDigit)),
                  let value = Double(sec), value >= 0, value < 60
            else { return nil }
            s = value
        }
        return (h, m, s)
    }

    private static func isDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }

    /// `YYYY-MM-DD`.
    private static func calendarDate(_ text: String) -> (Int, Int, Int)? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return nil }
        return (y, m, d)
    }

    /// Splits a trailing `Z` or `±HH:MM` zone off a clock time. The offset is `nil` when there is no zone,
    /// `.some(nil)` when the zone is malformed.
    private static func splitZone(_ text: String) -> (String, Int??) {
        if text.hasSuffix("Z") || text.hasSuffix("z") { return (String(text.dropLast()), .some(0)) }
        guard let signIndex = text.lastIndex(where: { $0 == "+" || $0 == "-" }) else { return (text, nil) }
        let clock = String(text[..<signIndex])
        let zone = text[text.index(after: signIndex)...]
        let sign = text[signIndex] == "-" ? -1 : 1
        let digits = zone.replacingOccurrences(of: ":", with: "")
        guard digits.count == 4 || digits.count == 2, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let hh = Int(digits.prefix(2)), let mm = Int(digits.count == 4 ? String(digits.suffix(2)) : "0"),
              hh <= 14, mm < 60
        else { return (clock, .some(nil)) }
        return (clock, .some(sign * (hh * 3600 + mm * 60)))
    }
}
