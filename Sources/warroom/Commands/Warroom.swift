import ArgumentParser

/// The `warroom` command: with no subcommand it opens the console.
struct Warroom: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warroom",
        abstract: "A terminal incident command console.",
        discussion: """
            Every command works on the store in WORKSPACE/.warroom/ (--workspace, $WARROOM_WORKSPACE, \
            or the current directory). Times given with --at may be HH:MM (today, local time), \
            YYYY-MM-DD HH:MM, or ISO 8601.
            """,
        subcommands: [
            OpenConsole.self, Declare.self, Log.self, Sev.self, State.self, AssignRole.self, Correct.self,
            Status.self, Timeline.self, List.self, Export.self, RunbookCommand.self, Demo.self,
            StepCommand.self,
            PostmortemCommand.self,
            Page.self, Ack.self, ContactsCommand.self,
            BroadcastCommand.self, OutboxCommand.self,
            DrillCommand.self,
        ],
        defaultSubcommand: OpenConsole.self
    )
}
