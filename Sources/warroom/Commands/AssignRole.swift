import ArgumentParser
import IncidentCore

/// `warroom role`: hands a role to someone.
struct AssignRole: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "role",
        abstract: "Hand a role (ic, deputy, scribe, comms, or any expert role) to someone.",
        discussion: "The incident commander holds every role not handed out."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var entry: EntryOptions

    @Argument(help: "The role: ic, deputy, scribe, comms, or a subject-expert role such as dba.")
    var role: String

    @Argument(help: "Who takes it.")
    var holder: String

    func run() throws {
        let event = try global.record(.assignRole(role: role, holder: holder), entry: entry)
        print("#\(event.id) \(event.incident) \(event.payload.summary)")
    }
}
