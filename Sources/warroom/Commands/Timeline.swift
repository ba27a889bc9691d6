import ArgumentParser
import Foundation
import IncidentCore

/// `warroom timeline`: the incident's entries in the order they happened.
struct Timeline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the timeline ordered by when things happened (backdated entries in place).",
        discussion: "Entries written down later than they happened are marked with when they were recorded; corrected entries show the correction."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "The incident (INC-3 or 3); may be left out when exactly one incident is active.")
    var incident: String?

    @Flag(help: "Print a JSON array of events.")
    var json = false

    func run() async throws {
        let store = try await global.openStore(create: false)
        let target = try await global.selectedIncidents(incident, store: store, allActive: false)[0]
        let events = await Self.ordered(try store.events(of: target.id))
        if json {
            CLIOutput.print(try JSONText.pretty(events.map { EventJSON($0, in: target, correctedBy: target.corrections[$0.id]) }))
            return
        }
        CLIOutput.print(Self.render(target, events: events, text: TimeText(timeZone: global.timeZone)))
    }

    /// Timeline order: when it happened, then log order for entries at the same instant.
    static func ordered(_ events: [Event]) -> [Event] {
        events.sorted { ($0.occurredAt, $0.id) < ($1.occurredAt, $1.id) }
    }

    static func render(_ state: IncidentState, events: [Event], text: TimeText) -> String {
        let byID = Dictionary(uniqueKeysWithValues: events.map { ($0.id, $0) })
        let spansDays = events.first.map { first in events.contains { text.differentDays($0.occurredAt, first.occurredAt) } } ?? false
        func when(_ date: Date) -> String { spansDays ? "\(text.day(date)) \(text.time(date))" : text.time(date) }

        var lines = ["\(state.id)\(state.isDrill ? " [DRILL]" : "")  \(state.severity.rawValue)  \(state.lifecycle.rawValue)  \(InertText.make(state.title))"]
        lines.append("times in \(text.zoneLabel)" + (spansDays ? "" : " on \(text.day(events.first?.occurredAt ?? state.declaredAt))"))
        let idWidth = String(events.map(\.id).max() ?? 0).count + 1
        for event in events {
            var body = state.summary(of: event)
            if let fixes = state.corrections[event.id], let last = fixes.last, case .correction(_, let fixed)? = byID[last]?.payload {
                body = "\(fixed)  [corrected by #\(last); was: \(body)]"
            }
            if event.isBackdated { body += "  [recorded \(when(event.recordedAt))]" }
            let id = "#\(event.id)".padding(toLength: idWidth, withPad: " ", startingAt: 0)
            let kind = event.payload.kind.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
            lines.append("\(id) \(when(event.occurredAt))  \(kind) \(InertText.make(event.actor)): \(InertText.make(body))")
        }
        return lines.joined(separator: "\n")
    }
}
