import ArgumentParser
import IncidentCore

/// `warroom export`: the raw event log as JSON lines.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the event log as JSON lines, one event a line, in log order."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only this incident (INC-3 or 3).")
    var incident: String?

    func run() async throws {
        let store = try await global.openStore(create: false)
        let states = await Dictionary(uniqueKeysWithValues: try store.incidents().map { ($0.id, $0) })
        if let incident {
            let target = try IncidentSelection.resolve(incident, among: Array(states.values))
            for event in try await store.events(of: target.id) { CLIOutput.print(try JSONText.line(EventJSON(event, in: target))) }
            return
        }
        var cursor = LogCursor.start
        while true {
            let page = try await store.events(after: cursor, limit: 10_000)
            for event in page.events { CLIOutput.print(try JSONText.line(EventJSON(event, in: states[event.incident]))) }
            cursor = page.cursor
            if !page.hasMore { break }
        }
    }
}
