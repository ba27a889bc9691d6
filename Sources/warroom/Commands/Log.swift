import ArgumentParser
import IncidentCore
import StoreKit

/// `warroom log`: a scribe's timeline entry.
struct Log: AsyncParsableCommand {
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

    func run() async throws {
        let body = text.joined(separator: " ")
        let command: IncidentCommand =
            switch kind {
            case .note: .note(body)
            case .decision: .decision(body)
            case .action: .actionItem(body)
            }
        do {
            let event = try await global.record(command, entry: entry)
            CLIOutput.print("#\(event.id) \(event.incident) \(event.payload.kind.rawValue)")
        } catch StoreError.unreachable(let why) {
            try spool(command, why: why)
        }
    }

    /// The team store is out of reach: the entry waits in this machine's spool, with both its times and an id of
    /// its own, and goes to the store on the next command that reaches it (or `warroom store sync`).
    private func spool(_ command: IncidentCommand, why: String) throws {
        let location = try global.storeLocation()
        guard location.isTeamStore, let (kind, text) = SpooledEntry.kind(of: command) else {
            throw StoreError.unreachable(why)
        }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw CLIError("the entry is empty") }
        let spool = try OfflineSpool(store: location.identity)
        let incident: IncidentID
        if let requested = entry.incident {
            let wanted = requested.trimmingCharacters(in: .whitespaces).uppercased()
            incident = wanted.hasPrefix("INC-") || wanted.hasPrefix("DRILL-") ? wanted : "INC-\(wanted)"
        } else if let only = try spool.knownActive().onlyElement {
            incident = only
        } else {
            throw CLIError("the team store is unreachable (\(why)) and this machine does not know which incident is active: "
                           + "name it with --incident; nothing was recorded")
        }
        let now = try global.now()
        let occurredAt = try global.time(entry.at, now: now)
        let waiting = try spool.add(SpooledEntry(
            incident: incident, kind: kind, text: text, occurredAt: occurredAt, recordedAt: now, actor: global.actorName))
        CLIOutput.print("spooled for \(incident): the team store is unreachable (\(why)); \(SpoolReport.entries(waiting)) waiting, "
              + "sent when it is back (warroom store sync)")
    }
}
