import Foundation
import IncidentCore
import PostgresNIO
@testable import PostgresStore
import Testing

@Suite("The team store", .enabled(if: TestServer.shouldRun))
struct StoreTests {
    @Test func declareAppendAndReadBack() async throws {
        let store = try await TestServer.open()
        #expect(try await store.lastEventID() == 0)
        #expect(try await store.incidents().isEmpty)

        let declared = try await store.declare(declaration())
        #expect(declared.incident == "INC-1")
        let drill = try await store.declare(declaration("fire drill", drill: true))
        #expect(drill.incident == "DRILL-1")
        // Times are kept as whole milliseconds, rounded down, and the returned events say so.
        let late = Date(timeIntervalSince1970: 1_700_000_060.9999)
        let noted = try await store.append(to: "INC-1", note("db failover started", at: late))
        #expect(noted.count == 1)
        #expect(noted[0].occurredAt == Date(timeIntervalSince1970: 1_700_000_060.999))

        let events = try await store.events(of: "INC-1")
        #expect(events.map(\.id) == [declared.id, noted[0].id])
        #expect(events[1] == noted[0])
        #expect(events[0].payload == declaration().payload)
        #expect(try await store.lastEventID() == noted[0].id)
        let incidents = try await store.incidents()
        #expect(incidents.map(\.id) == ["INC-1", "DRILL-1"])
        #expect(incidents[0].eventCount == 2 && incidents[0].lastEventID == noted[0].id)
        #expect(try await store.allEvents().map(\.id) == [declared.id, drill.id, noted[0].id])
        await store.close()
    }

    @Test func refusalsMatchTheSQLiteStore() async throws {
        let store = try await TestServer.open()
        #expect(await storeError { _ = try await store.declare(draft(.note("not a declaration"))) } == .notADeclaration)
        #expect(await storeError { _ = try await store.append(to: "INC-9", note("x")) } == .unknownIncident("INC-9"))
        #expect(await storeError { _ = try await store.events(of: "INC-9") } == .unknownIncident("INC-9"))
        _ = try await store.declare(declaration())
        let before = try await store.lastEventID()
        // A rule's refusal passes through unchanged and writes nothing.
        await #expect(throws: RuleError.self) { _ = try await store.append(to: "INC-1", note("   ")) }
        // A follow-up that throws takes the declaration with it, and its number is given out again.
        struct Boom: Error {}
        await #expect(throws: Boom.self) { _ = try await store.declare(declaration(), then: { _ in throw Boom() }) }
        #expect(try await store.lastEventID() == before)
        #expect(try await store.declare(declaration()).incident == "INC-2")
        // The log is append-only, whoever asks.
        let raw = try await RawSession.open()
        await #expect(throws: (any Error).self) {
            try await raw.run("DELETE FROM events WHERE workspace = \(store.workspace)")
        }
        await #expect(throws: (any Error).self) {
            try await raw.run("UPDATE incidents SET number = 7 WHERE workspace = \(store.workspace)")
        }
        await store.close()
        await raw.close()
    }

    @Test func followUpsArriveWithTheDeclaration() async throws {
        let store = try await TestServer.open()
        let events = try await store.declare(declaration()) { state in
            [draft(try state.decide(.note("runbook attached"), at: base, now: base))]
        }
        #expect(events.map(\.incident) == ["INC-1", "INC-1"])
        #expect(try await store.events(of: "INC-1") == events)
        await store.close()
    }

    @Test func aClientIDLandsOnce() async throws {
        let store = try await TestServer.open()
        _ = try await store.declare(declaration())
        let first = try await store.append(to: "INC-1", clientID: "spool-1", note("typed offline"))
        #expect(first.count == 1)
        #expect(try await store.append(to: "INC-1", clientID: "spool-1", note("typed offline")).isEmpty)
        #expect(try await store.events(of: "INC-1").count == 2)
        // Another workspace may hold the same client id.
        let other = try await TestServer.open()
        _ = try await other.declare(declaration())
        #expect(try await other.append(to: "INC-1", clientID: "spool-1", note("elsewhere")).count == 1)
        await store.close()
        await other.close()
    }

    @Test func anotherWritersAppendsAreFoldedIn() async throws {
        let location = try TestServer.location()
        let a = try await TestServer.open(location)
        let b = try await TestServer.open(location)
        _ = try await a.declare(declaration())
        _ = try await a.append(to: "INC-1", note("from a"))
        _ = try await b.append(to: "INC-1", note("from b"))
        // a's cached fold of INC-1 is behind; the append sees b's note anyway.
        let seen = Locked(0)
        _ = try await a.append(to: "INC-1") { state in
            seen.withLock { $0 = state.eventCount }
            return [draft(try state.decide(.note("again"), at: base, now: base))]
        }
        #expect(seen.withLock { $0 } == 3)
        #expect(try await a.incidents()[0].eventCount == 4)
        await a.close()
        await b.close()
    }

    /// The lock and the read of what others appended share one round trip (`warroom_lock_incident`); the read
    /// still sees what the lock waited for, as each statement of a function takes its own snapshot. Here the lock
    /// is held through `lock`, as the outbox's transactions take it: the two must be one lock.
    @Test func theReadAfterTheLockSeesWhatItWaitedFor() async throws {
        let store = try await TestServer.open()
        let declared = try await store.declare(declaration())
        let holder = try await RawSession.open()
        let waiter = try await RawSession.open()
        let waiterPID = try await waiter.value("SELECT pg_backend_pid()", as: Int32.self)

        try await holder.run("BEGIN")
        try await store.lock("INC-1", holder.connection)
        let inserted = try await holder.value("""
            INSERT INTO events (workspace, incident, kind, occurred_at, recorded_at, actor, text)
            VALUES (\(store.workspace), 'INC-1', 'note', 1700000000000, 1700000000000, 'bob', 'written under the lock')
            RETURNING id
            """, as: Int64.self)
        try await waiter.run("BEGIN ISOLATION LEVEL READ COMMITTED")
        let reading = Task {
            try await waiter.run("SELECT id FROM warroom_lock_incident(\(store.workspace), 'INC-1', \(declared.id))")
                .map { try $0.decode(Int64.self) }
        }
        let watcher = try await RawSession.open()
        let deadline = ContinuousClock.now + .seconds(10)
        while try await watcher.value("""
            SELECT count(*) FROM pg_locks WHERE pid = \(waiterPID) AND locktype = 'advisory' AND NOT granted
            """, as: Int.self) == 0 {
            guard ContinuousClock.now < deadline else { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(await finished(reading) == false, "waits for the lock")
        try await holder.run("COMMIT")
        #expect(try await reading.value == [inserted])
        try await waiter.run("COMMIT")
        for session in [holder, waiter, watcher] { await session.close() }
        await store.close()
    }

    /// An append's INSERTs go out with its COMMIT, unanswered: one that fails must take the others and the commit
    /// with it, and leave the store as it was.
    @Test func aFailingWriteRollsTheWholeAppendBack() async throws {
        let store = try await TestServer.open()
        _ = try await store.declare(declaration())
        _ = try await store.append(to: "INC-1", note("before"))
        // PostgreSQL's text cannot hold NUL, whatever the rules let through.
        let error = await storeError {
            _ = try await store.append(to: "INC-1") { _ in [draft(.note("first of two")), draft(.note("nul \u{0} inside"))] }
        }
        #expect(error != nil)
        #expect(try await store.events(of: "INC-1").count == 2)
        let after = try await store.append(to: "INC-1", note("after"))
        #expect(try await store.events(of: "INC-1").map(\.id).last == after[0].id)
        #expect(try await store.incidents()[0].eventCount == 3)
        await store.close()
    }

    /// `incidents()` folds rows as the server finds them, which is nearly always in id order; when it is not, here a
    /// note written (by hand) before its incident's declaration, the incident is still folded in id order.
    @Test func rowsOutOfIDOrderStillFoldInOrder() async throws {
        let store = try await TestServer.open()
        let raw = try await RawSession.open()
        let ids = try await raw.run("SELECT nextval('warroom_event_ids') FROM generate_series(1, 2)").map { try $0.decode(Int64.self) }
        let c = declaration().payload.columns
        try await raw.run("""
            INSERT INTO events (id, workspace, incident, kind, occurred_at, recorded_at, actor, text)
            VALUES (\(ids[1]), \(store.workspace), 'INC-1', 'note', 1700000001000, 1700000001000, 'bob', 'written first')
            """)
        try await raw.run("""
            INSERT INTO events (id, workspace, incident, kind, occurred_at, recorded_at, actor, text, value, prior, reason, ref, extra)
            VALUES (\(ids[0]), \(store.workspace), 'INC-1', \(c.kind), 1700000000000, 1700000000000, 'alice', \(c.text), \(c.value),
                    \(c.prior), \(c.reason), \(c.ref), \(c.extra))
            """)
        try await raw.run("""
            INSERT INTO incidents (workspace, id, number, is_drill, declared_event) VALUES (\(store.workspace), 'INC-1', 1, false, \(ids[0]))
            """)
        await raw.close()
        // The rows in the order they were written, whatever plan the server would choose for so few.
        _ = try await store.work.with { try await $0.query("SET enable_indexscan = off", logger: quietLogger) }
        let states = try await store.incidents()
        #expect(states.map(\.eventCount) == [2])
        #expect(states.first?.lastEventID == ids[1])
        await store.close()
    }

    @Test func workspacesDoNotSeeEachOther() async throws {
        let a = try await TestServer.open()
        let b = try await TestServer.open()
        let inA = try await a.declare(declaration("in a"))
        _ = try await a.append(to: "INC-1", note("a's note"))
        _ = try await a.recordStatusUpdate(to: "INC-1", actor: "carol", now: base) { state in
            try plan(state, channels: ["ops"])
        }
        #expect(try await b.lastEventID() == 0)
        #expect(try await b.incidents().isEmpty)
        #expect(try await b.allEvents().isEmpty)
        #expect(try await b.deliveries(incident: nil, statuses: nil).isEmpty)
        #expect(try await b.nextDueTime() == nil)
        #expect(await storeError { _ = try await b.events(of: "INC-1") } == .unknownIncident("INC-1"))
        // b numbers its own incidents from 1.
        let inB = try await b.declare(declaration("in b"))
        #expect(inB.incident == "INC-1" && inB.id != inA.id)
        #expect(try await a.incidents().map(\.title) == ["in a"])
        #expect(try await b.incidents().map(\.title) == ["in b"])
        #expect(try await a.claimDue(now: base, owner: "w", leaseUntil: t(60), channels: ["ops"], busy: [],
                                     ownerIsGone: { _ in false }).count == 1)
        #expect(try await b.claimDue(now: base, owner: "w", leaseUntil: t(60), channels: ["ops"], busy: [],
                                     ownerIsGone: { _ in false }).isEmpty)
        await a.close()
        await b.close()
    }

    @Test func concurrentDeclaresNeitherRepeatNorSkipNumbers() async throws {
        let location = try TestServer.location()
        var stores: [PostgresStore] = []
        for _ in 0..<4 { stores.append(try await TestServer.open(location)) }
        let numbers = try await withThrowingTaskGroup(of: [String].self) { group in
            for store in stores {
                group.addTask {
                    var ids: [String] = []
                    for _ in 0..<25 { ids.append(try await store.declare(declaration()).incident) }
                    return ids
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(Set(numbers) == Set((1...100).map { "INC-\($0)" }))
        #expect(numbers.count == 100)
        #expect(try await stores[0].incidents().map(\.id) == (1...100).map { "INC-\($0)" })
        for store in stores { await store.close() }
    }

    @Test func describeNamesTheServerWithoutThePassword() async throws {
        let store = try await TestServer.open(try PostgresLocation(
            url: try TestServer.url(password: "not-needed-here"), workspace: TestServer.freshWorkspace()))
        let description = try await store.describe()
        #expect(description.kind == "PostgreSQL")
        #expect(description.location == store.location.redacted)
        #expect(description.location.contains(":***@") && !description.location.contains("not-needed-here"))
        #expect(description.schemaVersion == Schema.version)
        #expect(description.workspace == store.workspace)
        #expect(!description.serverVersion.isEmpty && description.roundTrip > .zero)
        await store.close()
    }

    @Test func theWorkConnectionComesBackAfterTheServerDropsIt() async throws {
        let store = try await TestServer.open()
        _ = try await store.declare(declaration())
        let pid = try await store.work.with { connection in
            try await connection.query("SELECT pg_backend_pid()", logger: quietLogger).collect()[0].decode(Int32.self)
        }
        let raw = try await RawSession.open()
        try await raw.run("SELECT pg_terminate_backend(\(pid))")
        // The first call may find the connection lost (and say so); a later one reconnects.
        var outcome: Result<[Event], any Error> = .failure(CancellationError())
        for _ in 0..<3 {
            do {
                outcome = .success(try await store.events(of: "INC-1"))
                break
            } catch let error as StoreError {
                guard case .unreachable = error else { throw error }
                outcome = .failure(error)
            }
        }
        #expect(try outcome.get().count == 1)
        await store.close()
        await raw.close()
    }
}

/// A status update to `channels`, decided by the core rules.
func plan(_ state: IncidentState, channels: [String], message: String = "update", at date: Date = base) throws -> StatusUpdatePlan {
    let content = StatusUpdateContent(
        incident: state.id, title: state.title, severity: state.severity, state: state.lifecycle, audience: .tactical,
        message: message, sentAt: date, nextUpdateBy: date.addingTimeInterval(1200), isDrill: state.isDrill)
    return StatusUpdatePlan(
        update: draft(try state.decide(.recordStatusUpdate(message: message), at: date, now: date), at: date, by: "carol"),
        deliveries: channels.map { ($0, content) })
}
