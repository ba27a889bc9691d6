import ArgumentParser
import IncidentCore
import Foundation

/// The `warroom` command: with no subcommand it opens the console.
@main
struct Warroom: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warroom",
        abstract: "A terminal incident command console.",
        discussion: """
            Every command works on the store in WORKSPACE/.warroom/ (--workspace, $WARROOM_WORKSPACE, \
            or the current directory), or on a PostgreSQL team store named by --store, $WARROOM_STORE or store.url \
            in warroom.yaml. Times given with --at may be HH:MM (today, local time), \
            YYYY-MM-DD HH:MM, or ISO 8601.
            """,
        subcommands: [
            OpenConsole.self, Declare.self, Log.self, Sev.self, State.self, AssignRole.self, Correct.self,
            Status.self, Timeline.self, List.self, Export.self, RunbookCommand.self, Demo.self,
            StepCommand.self,
            PostmortemCommand.self,
            Page.self, Ack.self, ContactsCommand.self,
            BroadcastCommand.self, OutboxCommand.self,
            DrillCommand.self, StoreCommand.self,
        ],
        defaultSubcommand: OpenConsole.self
    )

    /// Runs the command, then closes every store it opened, whatever it came to: a team store's session ends
    /// cleanly rather than when the process dies.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
            await OpenStores.closeAll()
        } catch {
            await OpenStores.closeAll()
            exit(showing: error)
        }
    }

    /// What `exit(withError:)` does, through `CLIOutput`: the parser's messages quote the arguments as given
    /// (`Unknown option '--…'`), and errors thrown by commands quote stored text and file contents.
    private static func exit(showing error: any Error) -> Never {
        let message = fullMessage(for: error)
        let code = exitCode(for: error)
        if !message.isEmpty {
            // Help and --version are what was asked for; everything else is a complaint.
            if code.isSuccess { CLIOutput.print(message) } else { CLIOutput.printError(message) }
        }
        Foundation.exit(code.rawValue)
    }
}

/// The stores this process opened, closed once its command is done.
enum OpenStores {
    // NSLock rather than Mutex, which needs macOS 15 where the package supports 14.
    nonisolated(unsafe) private static var opened: [any WarroomStore] = []
    private static let lock = NSLock()

    static func register(_ store: any WarroomStore) {
        lock.withLock { opened.append(store) }
    }

    static func closeAll() async {
        let stores = lock.withLock { defer { opened = [] }; return opened }
        for store in stores { await store.close() }
    }
}
