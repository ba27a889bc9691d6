import Foundation
import IncidentCore
import Testing

/// Expected instants, read by Foundation's own ISO 8601 parser rather than by the code under test.
func iso(_ text: String) -> Date {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = text.contains(".") ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
    guard let date = formatter.date(from: text) else { fatalError("bad fixture \(text)") }
    return date
}

func zone(_ identifier: String) -> TimeZone {
    guard let zone = TimeZone(identifier: identifier) else { fatalError("no time zone \(identifier)") }
    return zone
}

@Suite("TimeExpression.parse")
struct TimeExpressionTests {
    /// 14:30 UTC, so that 14:07 is earlier today.
    let now = iso("2026-11-23T14:30:00Z")

    func parse(_ text: String, now: Date? = nil, in timeZone: TimeZone = utc) throws -> Date {
        try TimeExpression.parse(text, now: now ?? self.now, timeZone: timeZone)
    }

    @Test(arguments: [
        ("14:07", "2026-11-23T14:07:00Z"),
        ("9:05", "2026-11-23T09:05:00Z"),
        ("09:05", "2026-11-23T09:05:00Z"),
        ("0:00", "2026-11-23T00:00:00Z"),
        ("14:07:30", "2026-11-23T14:07:30Z"),
        ("14:30", "2026-11-23T14:30:00Z"),
        ("  14:07 ", "2026-11-23T14:07:00Z"),
        ("2026-11-23 14:07", "2026-11-23T14:07:00Z"),
        ("2026-11-23 14:07:30", "2026-11-23T14:07:30Z"),
        ("2026-11-20 9:05", "2026-11-20T09:05:00Z"),
        ("2026-11-23T14:07", "2026-11-23T14:07:00Z"),
        ("2026-11-23T14:07:00Z", "2026-11-23T14:07:00Z"),
        ("2026-11-23t14:07:00z", "2026-11-23T14:07:00Z"),
        ("2026-11-23T14:07Z", "2026-11-23T14:07:00Z"),
        ("2028-02-29 10:00", "2028-02-29T10:00:00Z"),
    ])
    func acceptedInUTC(text: String, expected: String) throws {
        #expect(try parse(text) == iso(expected))
    }

    /// The zone in the text wins over the configured one.
    @Test(arguments: [
        ("2026-11-23T14:07:00Z", "2026-11-23T14:07:00Z"),
        ("2026-11-23T22:07:00+08:00", "2026-11-23T14:07:00Z"),
        ("2026-11-23T22:07+08:00", "2026-11-23T14:07:00Z"),
        ("2026-11-23T22:07:00+0800", "2026-11-23T14:07:00Z"),
        ("2026-11-23T22:07:00+08", "2026-11-23T14:07:00Z"),
        ("2026-11-23T09:07:00-05:00", "2026-11-23T14:07:00Z"),
        ("2026-11-23T19:37:00+05:30", "2026-11-23T14:07:00Z"),
        ("2026-11-24T04:07:00+14:00", "2026-11-23T14:07:00Z"),
        ("2026-11-23T14:07:00-00:00", "2026-11-23T14:07:00Z"),
        ("2026-11-23 14:07:00Z", "2026-11-23T14:07:00Z"),
    ])
    func explicitOffsets(text: String, expected: String) throws {
        #expect(try parse(text, in: zone("America/New_York")) == iso(expected))
        #expect(try parse(text, in: zone("Asia/Shanghai")) == iso(expected))
    }

    @Test func fractionalSeconds() throws {
        #expect(try parse("2026-11-23T14:07:30.25Z") == iso("2026-11-23T14:07:30.250Z"))
        #expect(try parse("2026-11-23T22:07:30.5+08:00") == iso("2026-11-23T14:07:30.500Z"))
        #expect(try parse("2026-11-23T14:07:00.000Z") == iso("2026-11-23T14:07:00Z"))
    }

    @Test func datesWithoutAZoneAreLocal() throws {
        #expect(try parse("2026-11-23 14:07", in: zone("Asia/Shanghai")) == iso("2026-11-23T06:07:00Z"))
        #expect(try parse("2026-11-23 14:07", in: zone("America/New_York")) == iso("2026-11-23T19:07:00Z"))
        // Summer time in New York: four hours behind, not five.
        #expect(try parse("2026-07-01 14:07", in: zone("America/New_York")) == iso("2026-07-01T18:07:00Z"))
        #expect(try parse("2026-11-23 14:07", in: zone("Asia/Kolkata")) == iso("2026-11-23T08:37:00Z"))
    }

    @Test func bareTimesAreTodayInTheGivenZone() throws {
        let now = iso("2026-11-23T14:00:00Z") // 09:00 in New York, 23:00 in Tokyo, 19:30 in Kolkata
        #expect(try parse("08:30", now: now, in: zone("America/New_York")) == iso("2026-11-23T13:30:00Z"))
        #expect(try parse("22:00", now: now, in: zone("Asia/Tokyo")) == iso("2026-11-23T13:00:00Z"))
        #expect(try parse("19:00", now: now, in: zone("Asia/Kolkata")) == iso("2026-11-23T13:30:00Z"))
        // Already the 24th in Auckland (UTC+13 in November).
        #expect(try parse("02:00", now: now, in: zone("Pacific/Auckland")) == iso("2026-11-23T13:00:00Z"))
    }

    /// A scribe typing 23:50 just after midnight means the evening before.
    @Test func aBareTimeLaterThanNowIsYesterday() throws {
        let shanghai = zone("Asia/Shanghai")
        let now = iso("2026-11-23T16:10:00Z") // 00:10 on the 24th in Shanghai
        #expect(try parse("23:50", now: now, in: shanghai) == iso("2026-11-23T15:50:00Z"))
        #expect(try parse("00:05", now: now, in: shanghai) == iso("2026-11-23T16:05:00Z"))
        #expect(try parse("23:50", now: iso("2026-11-24T00:10:00Z")) == iso("2026-11-23T23:50:00Z"))
        // In Auckland it is 03:00 on the 24th: 23:00 is the evening of the 23rd.
        #expect(try parse("23:00", now: iso("2026-11-23T14:00:00Z"), in: zone("Pacific/Auckland"))
            == iso("2026-11-23T10:00:00Z"))
    }

    /// The same minute of tolerance as entry times: a terminal a little behind still means today.
    @Test func upToAMinuteAheadIsStillToday() throws {
        #expect(try parse("14:31") == iso("2026-11-23T14:31:00Z"))
        #expect(try parse("14:31:00") == iso("2026-11-23T14:31:00Z"))
        #expect(try parse("14:31:01") == iso("2026-11-22T14:31:01Z"))
        #expect(try parse("14:32") == iso("2026-11-22T14:32:00Z"))
    }

    /// "Yesterday" is the calendar day before, not 24 hours before, across a daylight-saving change.
    @Test func yesterdayAcrossADaylightSavingChange() throws {
        let newYork = zone("America/New_York")
        let now = iso("2026-03-09T04:30:00Z") // 00:30 EDT on 9 March; clocks sprang forward on the 8th
        #expect(try parse("01:30", now: now, in: newYork) == iso("2026-03-08T06:30:00Z")) // 01:30 EST
    }

    /// Berlin skips 02:00–02:59 on 29 March 2026 and lives through it twice on 25 October: a local time there is
    /// refused with what to type instead, while an explicit offset still names its one instant.
    @Test func localTimesADaylightSavingChangeSkipsOrRepeatsAreRefused() throws {
        let berlin = zone("Europe/Berlin")
        let spring = iso("2026-03-29T10:00:00Z"), autumn = iso("2026-10-25T10:00:00Z")
        let skipped = #expect(throws: TimeParseError.self) { try parse("02:30", now: spring, in: berlin) }
        #expect(skipped?.clockChange == .skipped(zone: "Europe/Berlin"))
        #expect(skipped?.description == "'02:30' never happened in Europe/Berlin: the clocks jumped forward over it that day; "
                + "give the time with its UTC offset, such as 2026-03-29T03:30:00+02:00")
        #expect(throws: TimeParseError(input: "2026-03-29 02:15", clockChange: .skipped(zone: "Europe/Berlin"))) {
            try parse("2026-03-29 02:15", now: spring, in: berlin)
        }
        let repeated = #expect(throws: TimeParseError.self) { try parse("02:30", now: autumn, in: berlin) }
        #expect(repeated?.clockChange == .repeated(zone: "Europe/Berlin"))
        #expect(throws: TimeParseError(input: "2026-10-25 02:59", clockChange: .repeated(zone: "Europe/Berlin"))) {
            try parse("2026-10-25 02:59", now: autumn, in: berlin)
        }
        #expect(try parse("2026-10-25T02:30:00+01:00", now: autumn, in: berlin) == iso("2026-10-25T01:30:00Z"))
        #expect(try parse("2026-10-25T02:30:00+02:00", now: autumn, in: berlin) == iso("2026-10-25T00:30:00Z"))
        // Either side of the change, local times are read as before.
        #expect(try parse("01:59", now: spring, in: berlin) == iso("2026-03-29T00:59:00Z"))
        #expect(try parse("03:00", now: spring, in: berlin) == iso("2026-03-29T01:00:00Z"))
        #expect(try parse("03:00", now: autumn, in: berlin) == iso("2026-10-25T02:00:00Z"))
    }

    @Test(arguments: [
        "25:00", "24:00", "14:60", "14:7", "123:00", "-1:00", "+1:05", "14:+5", "14:07:60", "14:07:5", "14:07:+5",
        "14:07:30.5", "14h07", "1407", "14.07", "14:07Z", "", "   ", "garbage", "now", "yesterday 14:07",
        "2026-02-30 10:00", "2026-02-29 10:00", "2026-13-01 10:00", "2026-00-10 10:00", "2026-11-00 10:00",
        "2026-11-31 10:00", "2026-11-23", "2026-11-23 ", "2026-11-23x14:07", "26-11-23 14:07", "2026/11/23 14:07",
        "2026-11-23 25:00", "2026-11-23 14:07:30.5", "2026-11-23 14:07 +08:00", "2026-11-23T14:07:00+25:00",
        "2026-11-23T14:07:00+8", "2026-11-23T14:07:00+08:0", "2026-11-23T14:07:00+08:60", "2026-11-23T14:07:00ZZ",
        "2026-11-23T14:07:00.Z", "2026-11-23T14:07:00.5e1Z", "2026-11-23T14:07:0.5Z", "2026-11-23T14:07:00+ab:cd",
        "١٤:٠٧",
    ])
    func rejected(text: String) {
        let error = #expect(throws: TimeParseError.self) { try parse(text) }
        #expect(error?.input == text)
    }

    @Test func errorMessage() {
        let error = #expect(throws: TimeParseError.self) { try parse("25:00") }
        #expect(error?.description
            == "invalid time '25:00': use HH:MM (today), YYYY-MM-DD HH:MM, or ISO 8601 such as 2026-11-23T14:07:00Z")
        // The message quotes what was typed, spaces and all.
        let padded = #expect(throws: TimeParseError.self) { try parse(" 14h07") }
        #expect(padded?.description.hasPrefix("invalid time ' 14h07': ") == true)
    }
}
