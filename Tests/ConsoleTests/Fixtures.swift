import Foundation
import IncidentCore
@testable import Console

// Every test runs on fixed instants and in UTC unless it says otherwise: nothing reads the wall clock.

/// 2026-11-23T14:00:00Z, when the demo incident is declared.
let base = Date(timeIntervalSince1970: 1_795_442_400)

/// `base` plus minutes (negative for earlier).
func minute(_ m: Double) -> Date { base.addingTimeInterval(m * 60) }

let utc = TimeZone(identifier: "UTC")!

/// One stored event; recorded when it happened unless `recorded` says it was written down later.
func event(
    _ id: EventID, _ payload: EventPayload, at occurred: Date, recorded: Date? = nil, by actor: String = "alice",
    incident: IncidentID = "INC-1"
) -> Event {
    Event(id: id, incident: incident, occurredAt: occurred, recordedAt: recorded ?? occurred, actor: actor, payload: payload)
}

func declared(
    _ incident: IncidentID = "INC-1", id: EventID = 1, severity: Severity = .l2, title: String = "Checkout down",
    impact: String? = "EU checkout returns 5xx", drill: Bool = false, at date: Date = base, by actor: String = "alice"
) -> Event {
    event(id, .declared(Declaration(title: title, severity: severity, impact: impact, isDrill: drill)),
          at: date, by: actor, incident: incident)
}

/// The demo incident: declared at 14:00, an alert note, investigating, a scribe, a decision,
/// and a customer ticket from 13:53 written down at 14:06.
let demoEvents: [Event] = [
    declared(),
    event(2, .note("alert fired: 5xx above 30%"), at: minute(1), by: "bob"),
    event(3, .stateChanged(from: .declared, to: .investigating, reason: nil, override: nil), at: minute(2)),
    event(4, .roleAssigned(role: Role.scribe, holder: "bob"), at: minute(3)),
    event(5, .decision("roll back deploy 4411"), at: minute(5)),
    event(6, .note("first customer ticket"), at: minute(-7), recorded: minute(6), by: "bob"),
]

/// A console showing `events`, loaded at `now`.
func console(
    _ events: [Event] = demoEvents, width: Int = 80, height: Int = 24, now: Date = minute(10),
    timeZone: TimeZone = utc, preferred: IncidentID? = nil
) -> ConsoleModel {
    var model = ConsoleModel(now: now, timeZone: timeZone, width: width, height: height, actor: "carol",
                             preferredIncident: preferred)
    _ = model.update(.loaded(events))
    return model
}

extension ConsoleModel {
    @discardableResult
    mutating func press(_ keys: Key...) -> [ConsoleEffect] {
        keys.flatMap { update(.key($0)) }
    }

    /// Types text into whatever has focus, one key per character.
    mutating func type(_ text: String) {
        for c in text { _ = update(.key(.char(c))) }
    }

    /// Types a line on the command line and presses Enter.
    mutating func submit(_ line: String) -> [ConsoleEffect] {
        type(line)
        return update(.key(.enter))
    }

    var lines: [String] { render().lines }
}

extension CellBuffer {
    /// The column of every cell of row `y` that shows `glyph`.
    func columns(of glyph: String, row y: Int) -> [Int] {
        (0..<width).filter { self[$0, y].text == glyph }
    }

    /// The first cell whose text starts the string `text` on row `y`.
    func column(of text: String, row y: Int) -> Int? {
        let line = self.line(y)
        guard let range = line.range(of: text) else { return nil }
        // Count cells up to the match, wide characters taking their continuation cell too.
        var x = 0
        var consumed = line.startIndex
        while x < width, consumed < range.lowerBound {
            consumed = line.index(consumed, offsetBy: self[x, y].text.count)
            x += 1
            while x < width, self[x, y].isContinuation { x += 1 }
        }
        return x
    }
}
