import Foundation
import Testing
import WarroomTestSupport

/// The command line on a team store: the same commands, an offline spool when the server goes away, `store status`,
/// `store migrate`, and errors that never show a password.
@Suite(.enabled(if: TeamStoreServer.isTested, "needs a PostgreSQL server (WARROOM_TEST_POSTGRES_URL; .ci/run starts one)"))
struct TeamStoreCommandTests {
    /// A workspace folder whose commands use a fresh workspace of the team store, reached through a relay the test
    /// can cut, with a spool of its own.
    struct TeamWorkspace {
        let local: Workspace
        let relay: TCPForwarder
        let url: String
        let name = TeamStoreServer.freshWorkspace("cli")
        let state: URL

        init() throws {
            local = try Workspace()
            let server = try #require(URLComponents(string: try TeamStoreServer.requireURL()))
            relay = try TCPForwarder(to: try #require(server.port))
            var through = server
            through.port = relay.port
            url = try #require(through.string)
            state = local.url.appendingPathComponent("state")
        }

        var environment: [String: String] {
            ["WARROOM_STORE": url, "WARROOM_STORE_WORKSPACE": name, "XDG_STATE_HOME": state.path]
        }

        @discardableResult
        func run(_ arguments: [String], now: String = "2026-11-20T14:30:00Z") throws -> ProcessResult {
            try local.run(arguments, now: now, environment: environment)
        }

        @discardableResult
        func ok(_ arguments: [String], now: String = "2026-11-20T14:30:00Z") throws -> String {
            let result = try run(arguments, now: now)
            guard result.status == 0 else {
                throw Failure("warroom \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
            }
            return result.stdout
        }

        func export() throws -> [[String: Any]] {
            try ok(["export"], now: "2026-11-20T23:59:00Z").split(separator: "\n").map {
                try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
            }
        }
    }

    static func initialised() throws -> TeamWorkspace {
        let team = try TeamWorkspace()
        let out = try team.ok(["store", "init"])
        #expect(out.contains("schema version"))
        return team
    }

    @Test func everyCommandWorksOnTheTeamStoreAndWorkspacesAreApart() throws {
        let team = try Self.initialised()
        #expect(try team.ok(["declare", "-s", "L2", "Storage offline", "--at", "14:00"]).contains("INC-1"))
        try team.ok(["log", "--at", "14:05", "alert fired"])
        try team.ok(["sev", "L1", "--reason", "data at risk"])
        try team.ok(["state", "investigating"])
        let status = try team.ok(["status"])
        #expect(status.contains("L1") && status.contains("investigating"))
        #expect(try team.ok(["timeline"]).contains("alert fired"))
        // Another workspace of the same server sees none of it, and numbers its incidents from 1.
        let other = try TeamWorkspace()
        let otherEnvironment = ["WARROOM_STORE": team.url, "WARROOM_STORE_WORKSPACE": other.name, "XDG_STATE_HOME": other.state.path]
        let declared = try other.local.run(["declare", "-s", "L3", "Elsewhere"], now: "2026-11-20T14:30:00Z", environment: otherEnvironment)
        #expect(declared.status == 0 && declared.stdout.contains("INC-1"), "\(declared.stderr)")
        let list = try other.local.run(["list"], now: "2026-11-20T14:31:00Z", environment: otherEnvironment)
        #expect(list.stdout.contains("Elsewhere") && !list.stdout.contains("Storage offline"))
        // The SQLite file was never made: the workspace folder only names the team store.
        #expect(!FileManager.default.fileExists(atPath: team.local.url.appendingPathComponent(".warroom/warroom.sqlite").path))
    }

    @Test func theServerGoingAwaySpoolsNotesRefusesChangesAndLosesNothing() throws {
        let team = try Self.initialised()
        try team.ok(["declare", "-s", "L2", "Storage offline", "--at", "14:00"])
        try team.ok(["log", "before the outage"])

        team.relay.stop()
        let spooled = try team.run(["log", "--at", "14:31", "typed while the server was away"], now: "2026-11-20T14:32:00Z")
        #expect(spooled.status == 0, "\(spooled.stderr)")
        #expect(spooled.stdout.contains("spooled for INC-1") && spooled.stdout.contains("1 entry waiting"), "\(spooled.stdout)")
        let second = try team.run(["log", "--kind", "decision", "restore from backup"], now: "2026-11-20T14:33:00Z")
        #expect(second.stdout.contains("2 entries waiting"), "\(second.stdout)")
        // A change that needs the shared state is refused, with why, and nothing is kept for it.
        let sev = try team.run(["sev", "L1", "--reason", "worse"], now: "2026-11-20T14:34:00Z")
        #expect(sev.status != 0)
        #expect(sev.stderr.contains("unreachable"), "\(sev.stderr)")
        let status = try team.run(["store", "status"], now: "2026-11-20T14:34:00Z")
        #expect(status.status != 0)
        #expect(status.stdout.contains("reachable:      no") && status.stdout.contains("2 entries waiting"), "\(status.stdout)")

        try team.relay.start()
        // The next command hands the spool over first, in order, with both times.
        let sync = try team.run(["store", "sync"], now: "2026-11-20T14:40:00Z")
        #expect(sync.status == 0, "\(sync.stderr)")
        #expect(sync.stderr.contains("sent 2 entries from the offline spool"), "\(sync.stderr)")
        #expect(sync.stdout.contains("0 entries waiting"))
        try team.ok(["store", "sync"], now: "2026-11-20T14:41:00Z")
        let events = try team.export()
        let texts = events.compactMap { $0["text"] as? String }
        #expect(texts.filter { $0 == "typed while the server was away" }.count == 1)
        #expect(texts.filter { $0 == "restore from backup" }.count == 1)
        #expect(!events.contains { $0["kind"] as? String == "severity" })
        let offline = try #require(events.first { $0["text"] as? String == "typed while the server was away" })
        #expect(offline["occurred_at"] as? String == "2026-11-20T14:31:00.000Z")
        #expect(offline["recorded_at"] as? String == "2026-11-20T14:32:00.000Z")
        let order = texts.filter { ["before the outage", "typed while the server was away", "restore from backup"].contains($0) }
        #expect(order == ["before the outage", "typed while the server was away", "restore from backup"])
    }

    @Test func anEntryTheServerRefusesAtSyncStaysInTheSpoolMarkedRefused() throws {
        let team = try Self.initialised()
        try team.ok(["declare", "-s", "L3", "Slow search"])
        team.relay.stop()
        let spooled = try team.run(["log", "--incident", "INC-7", "for an incident that does not exist"])
        #expect(spooled.status == 0, "\(spooled.stderr)")
        try team.relay.start()
        let status = try team.run(["store", "status"])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stderr.contains("refused a spooled note for INC-7"), "\(status.stderr)")
        #expect(status.stdout.contains("0 entries waiting, 1 refused"), "\(status.stdout)")
        #expect(status.stdout.contains("refused: INC-7 note \"for an incident that does not exist\""), "\(status.stdout)")
        // Still there on the next look: refused entries are kept, never dropped.
        #expect(try team.ok(["store", "status"]).contains("1 refused"))
    }

    @Test func storeStatusNamesTheStoreAndNeverThePassword() throws {
        let team = try Self.initialised()
        let withPassword = team.url.replacingOccurrences(of: "postgres@", with: "postgres:s3cr3t-pw@")
        let result = try team.local.run(["store", "status"], now: "2026-11-20T14:30:00Z",
                                        environment: team.environment.merging(["WARROOM_STORE": withPassword]) { $1 })
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("postgres://postgres:***@127.0.0.1"), "\(result.stdout)")
        #expect(result.stdout.contains("kind:           PostgreSQL 15") || result.stdout.contains("kind:           PostgreSQL"))
        #expect(result.stdout.contains("schema version:"))
        #expect(result.stdout.contains("workspace:      \(team.name)"))
        #expect(result.stdout.contains("round trip:"))
        #expect(result.stdout.contains("offline spool:"))
        #expect(!(result.stdout + result.stderr).contains("s3cr3t-pw"))
        // A missing database: one clear line, a non-zero exit, no password.
        let missing = withPassword.replacingOccurrences(of: "/postgres?", with: "/no_such_db?")
        let bad = try team.local.run(["list"], now: "2026-11-20T14:30:00Z",
                                     environment: team.environment.merging(["WARROOM_STORE": missing]) { $1 })
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("no_such_db"), "\(bad.stderr)")
        #expect(!bad.stderr.contains("s3cr3t-pw"))
        #expect(bad.stderr.split(separator: "\n").count <= 2, "\(bad.stderr)")
    }

    @Test func migrateCopiesASQLiteWorkspaceOnceKeepingIdsTimesAndTheOutbox() throws {
        let team = try Self.initialised()
        let sqlite = team.local
        try sqlite.ok(["declare", "-s", "L2", "Checkout errors", "--at", "14:00"], now: "2026-11-20T14:10:00Z")
        try sqlite.ok(["log", "--at", "14:03", "first signal"], now: "2026-11-20T14:10:00Z")
        try sqlite.ok(["correct", "2", "first signal at 14:02"], now: "2026-11-20T14:11:00Z")
        try sqlite.write(WarroomConfigText.fileChannel, to: "warroom.yaml")
        try sqlite.ok(["broadcast", "--send", "--message", "investigating", "--wait", "0"], now: "2026-11-20T14:12:00Z")
        let before = try sqlite.export()

        let copied = try sqlite.run(["store", "migrate", "--to", team.url, "--store-workspace", team.name], now: "2026-11-20T14:20:00Z")
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect(copied.stdout.contains("copied \(before.count) events and 1 delivery"), "\(copied.stdout)")
        let after = try team.export()
        #expect(after.map { $0["id"] as? Int } == before.map { $0["id"] as? Int })
        #expect(after.map { $0["occurred_at"] as? String } == before.map { $0["occurred_at"] as? String })
        #expect(after.map { $0["recorded_at"] as? String } == before.map { $0["recorded_at"] as? String })
        #expect(after.map { $0["text"] as? String } == before.map { $0["text"] as? String })
        #expect(try team.ok(["outbox", "list"]).contains("ops"))
        // Twice: nothing copied twice.
        let again = try sqlite.run(["store", "migrate", "--to", team.url, "--store-workspace", team.name], now: "2026-11-20T14:21:00Z")
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("copied 0 events and 0 deliveries"), "\(again.stdout)")
        #expect(try team.export().count == before.count)
        // New numbering goes on after the copied incidents.
        #expect(try team.ok(["declare", "-s", "L4", "After the move"]).contains("INC-2"))

        // Into a workspace holding other events with the same ids: refused, nothing written.
        let crowded = try TeamWorkspace()
        let env = ["WARROOM_STORE": team.url, "WARROOM_STORE_WORKSPACE": crowded.name, "XDG_STATE_HOME": crowded.state.path]
        _ = try crowded.local.run(["declare", "-s", "L3", "Something else"], now: "2026-11-20T14:00:00Z", environment: env)
        let refused = try sqlite.run(["store", "migrate", "--to", team.url, "--store-workspace", crowded.name],
                                     now: "2026-11-20T14:22:00Z")
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("nothing was imported"), "\(refused.stderr)")
        let crowdedList = try crowded.local.run(["list"], now: "2026-11-20T14:23:00Z", environment: env)
        #expect(crowdedList.stdout.contains("Something else") && !crowdedList.stdout.contains("Checkout errors"))
    }
}

/// warroom.yaml texts the team-store tests write.
enum WarroomConfigText {
    static let fileChannel = """
        channels:
          - {name: ops, type: file, path: ops.log}
        """
}

extension Workspace {
    /// Writes `text` to a file of the workspace.
    func write(_ text: String, to name: String) throws {
        try text.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
}
