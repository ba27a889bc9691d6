import ArgumentParser
import IncidentCore

/// `warroom log`: a scribe's timeline entry.
struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add a note, decision or action item to the timeline.",
        discussion: "Backdate with --at: `warroom log --at 14:07 \"alert fired: storage nodes offline\"`."
    )

    /// The entry kinds a scribe writes by hand.
    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case note, decision, action
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var entry: EntryOptions

    @Option(help: "note, decision or action.")
    var kind: Kind = .note

    @Argument(help: "The text; several words are joined with spaces.")
    var text: [String]

    func run() throws {
        let body = text.joined(separator: " ")
        let command: IncidentCommand =
            switch kind {
            case .note: .note(body)
            case .decision: .decision(body)
            case .action: .actionItem(body)
            }
        let event = try global.record(command, entry: entry)
        print("#\(event.id) \(event.incident) \(event.payload.kind.rawValue)")
    }
}
