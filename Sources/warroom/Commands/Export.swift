import ArgumentParser
import IncidentCore

/// `warroom export`: the raw event log as JSON lines.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the event log as JSON lines, one event a line, in log order."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only this incident (INC-3 or 3).")
    var incident: String?

    func run() throws {
        let store = try global.openStore(create: false)
        let states = Dictionary(uniqueKeysWithValues: try store.incidents().map { ($0.id, $0) })
        if let incident {
            let target = try IncidentSelection.resolve(incident, among: Array(states.values))
            for event in try store.events(of: target.id) { print(try JSONText.line(EventJSON(event, in: target))) }
            return
        }
        var after: EventID = 0
        while true {
            let batch = try store.events(after: after, limit: 10_000)
            guard let last = batch.last else { break }
            for event in batch { print(try JSONText.line(EventJSON(event, in: states[event.incident]))) }
            after = last.id
        }
    }
}
