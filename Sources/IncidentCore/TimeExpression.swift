import Foundation

/// Why a time a person typed could not be read.
public struct TimeParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public var input: String
    public var description: String {
        "invalid time '\(input)': use HH:MM (today), YYYY-MM-DD HH:MM, or ISO 8601 such as 2026-11-23T14:07:00Z"
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
                date = calendar.date(byAdding: .day, value: -1, to: date)!
            }
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
        return date.addingTimeInterval(s - s.rounded(.down))
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
