import ArgumentParser
import IncidentCore

/// `warroom role`: offers a role to someone, who takes it with `--accept` (or refuses it with `--decline`).
struct AssignRole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "role",
        abstract: "Offer a role (ic, deputy, scribe, comms, or any expert role) to someone, or accept or decline one offered.",
        discussion: """
            The incident commander holds every role not handed out. A role changes hands only when the person it was \
            offered to accepts: `warroom role ic bob` offers command to bob, and `warroom role ic --accept` (run by bob, \
            or by the scribe when bob says so) completes the handoff. Until then the current holder keeps it.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var entry: EntryOptions

    @Argument(help: "The role: ic, deputy, scribe, comms, or a subject-expert role such as dba.")
    var role: String

    @Argument(help: "Who it is offered to (not with --accept or --decline).")
    var holder: String?

    @Flag(help: "The person the role was offered to takes it.")
    var accept = false

    @Flag(help: "The person the role was offered to refuses it.")
    var decline = false

    func validate() throws {
        if accept && decline { throw ValidationError("--accept and --decline cannot be given together") }
        if (accept || decline) && holder != nil { throw ValidationError("--accept and --decline take the role alone: warroom role \(role) --accept") }
        if !accept && !decline && holder == nil { throw ValidationError("say who the role is offered to: warroom role \(role) NAME") }
    }

    func run() async throws {
        let command: IncidentCommand
        if accept {
            command = .acceptRole(role)
        } else if decline {
            command = .declineRole(role)
        } else {
            command = .assignRole(role: role, holder: holder ?? "")
        }
        let event = try await global.record(command, entry: entry)
        CLIOutput.print("#\(event.id) \(event.incident) \(InertText.make(event.payload.summary))")
    }
}
