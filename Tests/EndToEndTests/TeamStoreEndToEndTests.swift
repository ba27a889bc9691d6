import Foundation
import Testing
import WarroomTestSupport

/// The real console on a team store: another laptop's entry appears within a second, and the server going away is
/// said plainly while notes are kept and then land once.
// In CI both must be there: a missing tmux or server fails these tests instead of leaving them out.
@Suite(.serialized, .enabled(if: (TmuxConsole.isAvailable || TeamStoreServer.isRequired) && TeamStoreServer.isTested,
                             "needs tmux and a PostgreSQL server"))
struct TeamStoreEndToEndTests {
    static let declaredAt = "2025-03-14T14:00:00Z"
    static let title = "Checkout errors in eu-west"

    /// A workspace on a fresh team-store workspace, reached through a relay the test can cut.
    struct Setup {
        let folder: URL
        let relay: TCPForwarder
        let environment: [String: String]

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("warroom-team-e2e-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let server = try #require(URLComponents(string: try TeamStoreServer.requireURL()))
            relay = try TCPForwarder(to: try #require(server.port))
            var through = server
            through.port = relay.port
            environment = [
                "WARROOM_STORE": try #require(through.string), "WARROOM_STORE_WORKSPACE": TeamStoreServer.freshWorkspace("e2e"),
                "XDG_STATE_HOME": folder.appendingPathComponent("state").path,
            ]
            try Warroom.must(["store", "init"], workspace: folder, environment: environment)
            try Warroom.must(["declare", "--severity", "L2", TeamStoreEndToEndTests.title], workspace: folder,
                             environment: environment.merging(["WARROOM_NOW": TeamStoreEndToEndTests.declaredAt]) { $1 })
        }

        func console() throws -> TmuxConsole {
            let console = try TmuxConsole(
                workspace: folder, environment: environment.merging(["WARROOM_CLOCK_START": "2025-03-14T14:30:00Z"]) { $1 })
            try console.waitFor("the first frame with the incident") { $0.contains(TeamStoreEndToEndTests.title) && $0.contains("┌") }
            return console
        }

        func cleanUp(_ console: TmuxConsole) {
            console.close()
            relay.stop()
            try? FileManager.default.removeItem(at: folder)
        }
    }

    @Test func anEntryFromAnotherLaptopAppearsWithinASecond() throws {
        let setup = try Setup()
        let console = try setup.console()
        defer { setup.cleanUp(console) }

        for n in 1...3 {
            try Warroom.must(["log", "from the scribe's laptop, entry \(n)"], workspace: setup.folder,
                             environment: setup.environment.merging(["WARROOM_NOW": "2025-03-14T14:31:00Z"]) { $1 })
            // Timed from the command's return, when its entry is committed: the console learns of it by NOTIFY.
            let committed = Date()
            _ = try console.waitFor(text: "entry \(n)", timeout: 3)
            let latency = Date().timeIntervalSince(committed)
            #expect(latency < 1, "entry \(n) took \(latency)s to appear")
        }
    }

    @Test func theServerGoingAwayIsSaidPlainlyAndNotesLandOnceWhenItIsBack() throws {
        let setup = try Setup()
        let console = try setup.console()
        defer { setup.cleanUp(console) }

        setup.relay.stop()
        try console.enter("restore from backup is at 40%")
        try console.waitFor("the header to say the store is unreachable", timeout: 10) {
            $0.contains("store unreachable — 1 entry waiting")
        }
        // A change that needs the shared state is refused while offline.
        try console.enter("/sev L1 data at risk")
        try console.waitFor("the refusal of the severity change", timeout: 5) { $0.contains("nothing was recorded") }

        try setup.relay.start()
        try console.waitFor("the header to recover and the note to land", timeout: 15) {
            !$0.contains("store unreachable") && $0.split(separator: "\n").contains { $0.hasPrefix("│") && $0.contains("restore from backup is at 40%") }
        }
        let timeline = try Warroom.must(["timeline"], workspace: setup.folder, environment: setup.environment)
        #expect(timeline.components(separatedBy: "restore from backup is at 40%").count == 2, "\(timeline)")
        #expect(!timeline.contains("data at risk"))
    }
}
