import Foundation
import GRDB
import IncidentStore
import Testing
import WarroomTestSupport

/// Another process holding the SQLite store's write lock: readers carry on at once, a writer says why it waits and
/// then gives up plainly, changing nothing.
@Suite struct StoreLockTests {
    @Test func readersNeverWaitAndAWriterGivesUpPlainly() throws {
        let ws = try Workspace()
        try ws.ok(["declare", "-s", "L2", "Checkout errors"], now: "2026-11-20T14:00:00Z")
        try ws.write("store:\n  lock_timeout: 3s\n", to: "warroom.yaml")
        let before = try ws.export().count

        // Another writer takes the lock and keeps it.
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true
        let holder = try DatabaseQueue(path: SQLiteEventStore.databaseURL(workspace: ws.url).path, configuration: configuration)
        try holder.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE") }
        defer { try? holder.writeWithoutTransaction { try $0.execute(sql: "ROLLBACK") } }

        for reader in [["timeline"], ["status"], ["list"], ["export"]] {
            let started = Date()
            let result = try ws.run(reader, now: "2026-11-20T14:05:00Z")
            #expect(result.status == 0, "\(reader): \(result.stderr)")
            #expect(Date().timeIntervalSince(started) < 2, "\(reader) waited for the writer")
        }

        let started = Date()
        let write = try ws.run(["log", "while someone else writes"], now: "2026-11-20T14:06:00Z")
        let waited = Date().timeIntervalSince(started)
        #expect(write.status != 0)
        #expect(waited >= 3 && waited < 10, "waited \(waited)s")
        #expect(write.stderr.contains("another Warroom process holds the store; waiting for it (at most 3s"), "\(write.stderr)")
        #expect(write.stderr.contains("nothing was recorded"), "\(write.stderr)")
        for wording in ["SQLite", "database is locked", "BEGIN", "error 5"] {
            #expect(!write.stderr.contains(wording), "\(write.stderr)")
        }

        try holder.writeWithoutTransaction { try $0.execute(sql: "ROLLBACK") }
        #expect(try ws.export().count == before)
        try ws.ok(["log", "once the lock is free"], now: "2026-11-20T14:07:00Z")
        #expect(try ws.export().count == before + 1)
    }
}
