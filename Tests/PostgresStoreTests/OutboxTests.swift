import Foundation
import IncidentCore
import PostgresNIO
@testable import PostgresStore
import Testing

@Suite("The team store's outbox", .enabled(if: TestServer.shouldRun))
struct OutboxTests {
    func entry(_ event: DeliveryEvent, at date: Date = t(120)) -> EventDraft {
        EventDraft(occurredAt: date, recordedAt: date, actor: "warroom", payload: .delivery(event))
    }

    @Test func anUpdateAndItsDeliveriesAreWrittenTogether() async throws {
        let store = try await TestServer.open()
        _ = try await store.declare(declaration())
        let now = Date(timeIntervalSince1970: 1_700_000_100.0004)
        let recorded = try await store.recordStatusUpdate(to: "INC-1", actor: "carol", now: now) {
            try plan($0, channels: ["ops", "log"], message: "first update")
        }
        #expect(recorded.events.count == 2)
        #expect(recorded.update.payload == .statusUpdateSent(message: "first update"))
        #expect(recorded.events[1].payload == .delivery(.queued(update: recorded.update.id, channels: ["ops", "log"])))
        #expect(recorded.events[1].actor == "carol")
        let rows = try await store.deliveries(incident: "INC-1", statuses: nil)
        #expect(rows == recorded.deliveries)
        #expect(rows.map(\.channel) == ["ops", "log"])
        #expect(rows.allSatisfy { $0.status == .pending && $0.attempts == 0 && $0.nextAttemptAt == Date(timeIntervalSince1970: 1_700_000_100) })
        #expect(rows.allSatisfy { $0.idempotencyKey.hasPrefix("warroom-") && $0.idempotencyKey == $0.idempotencyKey.lowercased() })
        #expect(Set(rows.map(\.idempotencyKey)).count == 2)
        #expect(rows[0].content.message == "first update")
        #expect(try await store.events(of: "INC-1").suffix(2) == recorded.events[...])
        #expect(try await store.nextDueTime() == Date(timeIntervalSince1970: 1_700_000_100))
        // The content is kept as the SQLite store keeps it: sorted keys, times in milliseconds.
        let raw = try await RawSession.open()
        let json = try await raw.value("SELECT content FROM outbox WHERE id = \(rows[0].id)", as: String.self)
        #expect(json.hasPrefix("{\"audience\":\"tactical\",\"drill\":false,\"incident\":\"INC-1\",\"message\":\"first update\""))
        #expect(json.contains("\"sent_at\":1700000000123"))
        await raw.close()
        await store.close()
    }

    @Test func aRefusedOrFailingUpdateLeavesNoTrace() async throws {
        let store = try await TestServer.open()
        _ = try await store.declare(declaration())
        let before = try await store.lastEventID()
        await #expect(throws: RuleError.self) {
            _ = try await store.recordStatusUpdate(to: "INC-1", actor: "carol", now: base) { try plan($0, channels: ["ops"], message: " ") }
        }
        await #expect(throws: StoreError.self) {
            _ = try await store.recordStatusUpdate(to: "INC-1", actor: "carol", now: base) { state in
                StatusUpdatePlan(update: draft(.note("not an update")), deliveries: [])
            }
        }
        // Two deliveries to one channel break (update, channel) uniqueness after the update went in: all rolls back.
        await #expect(throws: StoreError.self) {
            _ = try await store.recordStatusUpdate(to: "INC-1", actor: "carol", now: base) { try plan($0, channels: ["ops", "ops"]) }
        }
        #expect(try await store.lastEventID() == before)
        #expect(try await store.deliveries(incident: nil, statuses: nil).isEmpty)
        #expect(try await store.incidents()[0].lastStatusUpdateAt == nil, "the cache did not keep the rolled-back update")
        await store.close()
    }

    @Test func claimsTakeTheHeadOfEachChannelOnce() async throws {
        let store = try await TestServer.open()
        _ = try await store.declare(declaration())
        let first = try await store.recordStatusUpdate(to: "INC-1", actor: "carol", now: base) { try plan($0, channels: ["ops", "log"]) }
        _ = try await store.recordStatusUpdate(to: "INC-1", actor: "carol", now: base) {
            try plan($0, channels: ["ops", "log"], message: "two", at: t(1))
        }
        let lease = t(60)
        let a = try await store.claimDue(now: base, owner: "h/1/a", leaseUntil: lease, channels: ["ops", "log"], busy: [],
                                         ownerIsGone: { _ in false })
        #expect(a.map(\.channel) == ["ops", "log"])
        #expect(a.allSatisfy { $0.update == first.update.id })
        #expect(try await store.claimDue(now: base, owner: "h/2/b", leaseUntil: lease, channels: ["ops", "log"], busy: [],
                                         ownerIsGone: { _ in false }).isEmpty, "leased heads are not handed out again, nor overtaken")
        // The holder died: its leases are taken over at once, except on a channel the new worker is busy with.
        let taken = try await store.claimDue(now: base, owner: "h/2/b", leaseUntil: lease, channels: ["ops", "log"], busy: ["log"],
                                             ownerIsGone: { $0 == "h/1/a" })
        #expect(taken.map(\.channel) == ["ops"])
        let late = try await store.finishAttempt(a[0], owner: "h/1/a", now: t(2), result: .delivered(detail: nil),
                                                 entry: entry(.delivered(update: a[0].update, channel: "ops", attempt: 1, detail: nil)))
        #expect(late == nil, "the old holder's result no longer counts")
        let done = try await store.finishAttempt(taken[0], owner: "h/2/b", now: t(2), result: .delivered(detail: "202"),
                                                 entry: entry(.delivered(update: a[0].update, channel: "ops", attempt: 1, detail: "202")))
        #expect(done?.payload == .delivery(.delivered(update: a[0].update, channel: "ops", attempt: 1, detail: "202")))
        #expect(try await store.finishAttempt(taken[0], owner: "h/2/b", now: t(2), result: .delivered(detail: nil),
                                              entry: entry(.delivered(update: a[0].update, channel: "ops", attempt: 2, detail: nil))) == nil,
                "a delivered row is no longer pending")
        // A channel the worker cannot send to is left alone; a head not yet due is not claimed.
        #expect(try await store.claimDue(now: base, owner: "h/3/c", leaseUntil: lease, channels: ["log"], busy: [],
                                         ownerIsGone: { _ in true }).map(\.channel) == ["log"])
        let next = try await store.claimDue(now: base, owner: "h/3/c", leaseUntil: lease, channels: ["ops"], busy: [],
                                            ownerIsGone: { _ in false })
        #expect(next.map(\.content.message) == ["two"])
        await store.close()
    }

    @Test func retriesAbandonmentAndRequeue() async throws {
        let store = try await TestServer.open()
        _ = try await store.declare(declaration())
        let recorded = try await store.recordStatusUpdate(to: "INC-1", actor: "carol", now: base) { try plan($0, channels: ["ops"]) }
        let update = recorded.update.id
        var claimed = try await store.claimDue(now: base, owner: "w", leaseUntil: t(60), channels: ["ops"], busy: [],
                                               ownerIsGone: { _ in false })
        _ = try await store.finishAttempt(claimed[0], owner: "w", now: t(1), result: .retry(problem: "503", at: t(20)),
                                          entry: entry(.failed(update: update, channel: "ops", attempt: 1, problem: "503", retryIn: 20)))
        #expect(try await store.claimDue(now: t(10), owner: "w", leaseUntil: t(60), channels: ["ops"], busy: [],
                                         ownerIsGone: { _ in false }).isEmpty, "not due before its retry time")
        #expect(try await store.nextDueTime() == t(20))
        claimed = try await store.claimDue(now: t(20), owner: "w", leaseUntil: t(80), channels: ["ops"], busy: [],
                                           ownerIsGone: { _ in false })
        #expect(claimed.count == 1)
        _ = try await store.finishAttempt(claimed[0], owner: "w", now: t(21), result: .abandon(problem: "410 gone"),
                                          entry: entry(.abandoned(update: update, channel: "ops", attempt: 2, problem: "410 gone")))
        let abandoned = try await store.deliveries(incident: nil, statuses: [.abandoned])
        #expect(abandoned.count == 1 && abandoned[0].attempts == 2 && abandoned[0].lastProblem == "410 gone")
        #expect(abandoned[0].finishedAt == t(21))
        #expect(try await store.deliveries(incident: "INC-1", statuses: [.pending]).isEmpty)
        #expect(try await store.deliveries(incident: "INC-2", statuses: nil).isEmpty)
        #expect(try await store.deliveries(incident: nil, statuses: []).isEmpty)
        #expect(try await store.nextDueTime() == nil)

        #expect(try await store.requeue(ids: [], incident: nil, actor: "dan", now: t(30), at: t(30)).isEmpty)
        let requeued = try await store.requeue(ids: nil, incident: "INC-1", actor: "dan", now: t(30), at: t(31))
        #expect(requeued.map(\.id) == abandoned.map(\.id))
        #expect(requeued[0].status == .pending && requeued[0].attempts == 0 && requeued[0].nextAttemptAt == t(30))
        #expect(try await store.deliveries(incident: nil, statuses: nil) == requeued.map { delivery in
            var stored = delivery
            stored.lastProblem = "410 gone"
            return stored
        })
        let last = try #require(try await store.events(of: "INC-1").last)
        #expect(last.payload == .delivery(.requeued(update: update, channel: "ops")) && last.actor == "dan" && last.occurredAt == t(31))
        #expect(try await store.requeue(ids: nil, incident: nil, actor: "dan", now: t(30), at: t(31)).isEmpty)
        await store.close()
    }

    /// Two machines never send one delivery at once: a head being claimed is skipped, a leased one is left to its
    /// holder until the lease runs out, and then taken over.
    @Test func aLeaseIsExclusiveAcrossStoresAndTakenOverWhenItExpires() async throws {
        let location = try TestServer.location()
        let a = try await TestServer.open(location)
        let b = try await TestServer.open(location)
        _ = try await a.declare(declaration())
        let recorded = try await a.recordStatusUpdate(to: "INC-1", actor: "carol", now: base) { try plan($0, channels: ["ops"]) }

        // A claim in progress elsewhere holds the row: SKIP LOCKED passes it by instead of waiting.
        let raw = try await RawSession.open()
        try await raw.run("BEGIN")
        try await raw.run("SELECT id FROM outbox WHERE id = \(recorded.deliveries[0].id) FOR UPDATE")
        let started = ContinuousClock.now
        #expect(try await b.claimDue(now: base, owner: "b", leaseUntil: t(60), channels: ["ops"], busy: [],
                                     ownerIsGone: { _ in false }).isEmpty)
        #expect(ContinuousClock.now - started < .seconds(2))
        try await raw.run("ROLLBACK")
        await raw.close()

        // Both at once: one of them gets it.
        async let fromA = a.claimDue(now: base, owner: "a", leaseUntil: t(60), channels: ["ops"], busy: [], ownerIsGone: { _ in false })
        async let fromB = b.claimDue(now: base, owner: "b", leaseUntil: t(60), channels: ["ops"], busy: [], ownerIsGone: { _ in false })
        let (gotA, gotB) = try await (fromA, fromB)
        #expect(gotA.count + gotB.count == 1)
        let (holder, holderStore, other, otherStore) = gotA.isEmpty ? ("b", b, "a", a) : ("a", a, "b", b)
        #expect(try await otherStore.claimDue(now: t(30), owner: other, leaseUntil: t(90), channels: ["ops"], busy: [],
                                              ownerIsGone: { _ in false }).isEmpty, "the lease is live")
        // The holder went quiet: once the lease has run out, the other takes the delivery over, with the same key.
        let takenOver = try await otherStore.claimDue(now: t(61), owner: other, leaseUntil: t(120), channels: ["ops"],
                                                      busy: [], ownerIsGone: { _ in false })
        #expect(takenOver.map(\.idempotencyKey) == recorded.deliveries.map(\.idempotencyKey))
        let update = recorded.update.id
        #expect(try await holderStore.finishAttempt(takenOver[0], owner: holder, now: t(62), result: .delivered(detail: nil),
                                                    entry: entry(.delivered(update: update, channel: "ops", attempt: 1, detail: nil))) == nil)
        #expect(try await otherStore.finishAttempt(takenOver[0], owner: other, now: t(62), result: .delivered(detail: nil),
                                                   entry: entry(.delivered(update: update, channel: "ops", attempt: 1, detail: nil))) != nil)
        #expect(try await a.deliveries(incident: nil, statuses: [.delivered]).count == 1)
        await a.close()
        await b.close()
    }

    @Test func releasingALeaseAndWorkersWhoCanSend() async throws {
        let store = try await TestServer.open()
        _ = try await store.declare(declaration())
        _ = try await store.recordStatusUpdate(to: "INC-1", actor: "carol", now: base) { try plan($0, channels: ["ops", "pager", "log"]) }
        let claimed = try await store.claimDue(now: base, owner: "w1", leaseUntil: t(60), channels: ["ops"], busy: [],
                                               ownerIsGone: { _ in false })
        try await store.releaseLease(claimed[0], owner: "someone else")
        #expect(try await store.claimDue(now: base, owner: "w2", leaseUntil: t(60), channels: ["ops"], busy: [],
                                         ownerIsGone: { _ in false }).isEmpty, "only the holder releases a lease")
        try await store.releaseLease(claimed[0], owner: "w1")
        #expect(try await store.claimDue(now: base, owner: "w2", leaseUntil: t(60), channels: ["ops"], busy: [],
                                         ownerIsGone: { _ in false }).count == 1)

        #expect(try await store.unservedChannels(seenSince: base) == ["ops": 1, "pager": 1, "log": 1])
        try await store.workerSeen(owner: "w1", channels: ["ops", "log"], at: base)
        try await store.workerSeen(owner: "w2", channels: ["pager"], at: t(-600))
        #expect(try await store.unservedChannels(seenSince: t(-60)) == ["pager": 1])
        try await store.workerSeen(owner: "w2", channels: ["pager"], at: base)
        #expect(try await store.unservedChannels(seenSince: t(-60)).isEmpty)
        await store.close()
    }
}
