import Broadcast
import Foundation
import IncidentCore
import IncidentStore
import Testing

@Suite("The outbox in the SQLite file")
struct OutboxStoreTests {
    static let twoFiles = """
        channels:
          - {name: ops, type: file, path: ops.log}
          - {name: log, type: file, path: all.log}
        """

    /// The outbox keeps its history: rows cannot be deleted.
    @Test(.enabled(if: WarroomTestSupportShell.tool != nil, "needs the sqlite3 shell to write outside the store's API"))
    func deliveriesCannotBeDeleted() async throws {
        let ws = try TestWorkspace()
        try ws.declare()
        _ = try await ws.send("one", config: config(Self.twoFiles), clock: ManualClock())
        let path = SQLiteEventStore.databaseURL(workspace: ws.url).path
        let result = try WarroomTestSupportShell.sqlite(path, "DELETE FROM outbox;")
        #expect(result.contains("keeps every delivery"), "\(result)")
        #expect(try ws.store.deliveries(incident: nil, statuses: nil).count == 2)
    }
}

/// Runs the sqlite3 shell when it is installed (the trigger test needs a writer outside the store's API).
enum WarroomTestSupportShell {
    static let tool = ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3"].first(where: FileManager.default.isExecutableFile)

    static func sqlite(_ path: String, _ sql: String) throws -> String {
        let tool = try #require(tool)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = [path, sql]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
