import Broadcast
import Foundation
import IncidentCore
import StoreKit
import Testing

/// The outbox's behaviour, the same on every backend.
@Suite("Store contract: the outbox")
struct OutboxContractTests {
    static let twoFiles = """
        channels:
          - {name: ops, type: file, path: ops.log}
          - {name: log, type: file, path: all.log}
        """
    static let both: Set<String> = ["ops", "log", "drill-sink"]
    /// The outbox's scheduling clock: a fixed instant, so nothing depends on the wall clock.
    static let now = Date(timeIntervalSince1970: 1_900_000_000)

    @Test(arguments: Backend.tested)
    func anUpdateAndItsDeliveriesAreWrittenTogether(_ backend: Backend) async throws {
        let ws = try await StoreFixture(backend)
        try await ws.declare()
        let recorded = try await ws.send("first update", config: config(Self.twoFiles), scheduleNow: Self.now)

        #expect(recorded.events.count == 2)
        #expect(recorded.update.payload == .statusUpdateSent(message: "first update"))
        #expect(recorded.events[1].payload == .delivery(.queued(update: recorded.update.id, channels: ["ops", "log"])))
        let rows = try await ws.store.deliveries(incident: "INC-1", statuses: nil)
        #expect(rows.map(\.channel) == ["ops", "log"])
        #expect(rows.allSatisfy { $0.status == .pending && $0.attempts == 0 && $0.update == recorded.update.id })
        #expect(rows.allSatisfy { $0.nextAttemptAt == Self.now })
        #expect(Set(rows.map(\.idempotencyKey)).count == 2, "each delivery has its own key")
        #expect(rows[0].content.message == "first update")
        #expect(rows[0].content.nextUpdateBy == minute(20))
        // The cadence restarts from the update.
        #expect(try await ws.state().nextStatusUpdateDue() == minute(20))
        #expect(try await ws.timelineText().contains("update #\(recorded.update.id) queued for ops, log"))
    }

    /// A refusal writes nothing: no event, no delivery.
    @Test(arguments: Backend.tested)
    func aRefusedUpdateLeavesNoTrace(_ backend: Backend) async throws {
        let ws = try await StoreFixture(backend)
        try await ws.declare()
        let before = try await ws.store.lastEventID()
        await #expect(throws: RuleError.emptyText(what: "the status update")) {
            try await ws.send("   ", config: config(Self.twoFiles), scheduleNow: Self.now)
        }
        await #expect(throws: BroadcastError.self) {
            try await ws.send("Checkout fixed by 15:00", audience: .executive, config: config("""
                channels: [{name: execs, type: file, path: e.log, audience: executive}]
                """), scheduleNow: Self.now)
        }
        #expect(try await ws.store.lastEventID() == before)
        #expect(try await ws.store.deliveries(incident: nil, statuses: nil).isEmpty)
    }

    /// If the outbox insert fails, the update rolls back with it: both or neither.
    @Test(arguments: Backend.tested)
    func aFailingDeliveryRowRollsTheUpdateBack(_ backend: Backend) async throws {
        let ws = try await StoreFixture(backend)
        try await ws.declare()
        let before = try await ws.store.lastEventID()
        let content = StatusUpdateContent(incident: "INC-1", title: "t", severity: .l2, state: .declared, audience: .tactical,
                                          message: "m", sentAt: minute(5), nextUpdateBy: nil, isDrill: false)
        // Two deliveries to one channel break the (update, channel) uniqueness after the update is inserted.
        await #expect(throws: (any Error).self) {
            try await ws.store.recordStatusUpdate(to: "INC-1", actor: "carol", now: Self.now) { state in
                StatusUpdatePlan(
                    update: EventDraft(occurredAt: minute(5), recordedAt: minute(5), actor: "carol",
                                       payload: try state.decide(.recordStatusUpdate(message: "m"), at: minute(5), now: minute(5))),
                    deliveries: [("ops", content), ("ops", content)])
            }
        }
        #expect(try await ws.store.lastEventID() == before)
        #expect(try await ws.store.deliveries(incident: nil, statuses: nil).isEmpty)
        // And the store's cache did not keep the rolled-back update: the cadence still counts from declaration.
        #expect(try await ws.state().nextStatusUpdateDue() == minute(15))
    }

    /// Only a status update or a webhook page may start a plan: the rule lives in the core, so every store keeps it.
    @Test(arguments: Backend.tested)
    func aPlanMustCarryAnUpdateOrAPage(_ backend: Backend) async throws {
        let ws = try await StoreFixture(backend)
        try await ws.declare()
        let before = try await ws.store.lastEventID()
        await #expect(throws: StoreError.self) {
            try await ws.store.recordStatusUpdate(to: "INC-1", actor: "carol", now: Self.now) { _ in
                StatusUpdatePlan(update: draft(.note("not an update"), at: minute(5)), deliveries: [])
            }
        }
        #expect(try await ws.store.lastEventID() == before)
    }

    @Test(arguments: Backend.tested)
    func aDrillGoesToTheBuiltInDrillSinkOnly(_ backend: Backend) async throws {
        let ws = try await StoreFixture(backend)
        try await ws.declare(drill: true)
        let recorded = try await StatusBroadcaster.send(
            "drill update", audience: .tactical, to: "DRILL-1", store: ws.store, config: try config(Self.twoFiles), actor: "carol",
            now: minute(5), scheduleNow: Self.now)
        #expect(recorded.deliveries.map(\.channel) == ["drill-sink"])
        // A drill-sink channel of the user's own replaces the built-in one; one that takes only L1 leaves an L2 drill unheard.
        let narrow = try config("""
            channels:
              - {name: drill-sink, type: file, path: mine.log, drill: true, severities: [L1]}
            """)
        #expect(narrow.allChannels.map(\.name) == ["drill-sink"])
        let again = try await StatusBroadcaster.send(
            "second", audience: .tactical, to: "DRILL-1", store: ws.store, config: narrow, actor: "carol", now: minute(6),
            scheduleNow: Self.now)
        #expect(again.events.count == 1 && again.deliveries.isEmpty)
        let state = try await ws.state("DRILL-1")
        #expect(StatusBroadcaster.noReceiverReason(config: narrow, state: state, audience: .tactical)?.contains("drill sinks") == true)
    }

    /// Each channel's oldest pending delivery goes first; a leased one is not handed out twice.
    @Test(arguments: Backend.tested)
    func claimsTakeTheHeadOfEachChannelOnce(_ backend: Backend) async throws {
        let ws = try await StoreFixture(backend)
        try await ws.declare()
        let now = Self.now
        let c = try config(Self.twoFiles)
        let first = try await ws.send("one", config: c, scheduleNow: now, at: minute(5))
        _ = try await ws.send("two", config: c, scheduleNow: now, at: minute(6))
        let other = try await ws.open()

        let a = try await ws.store.claimDue(now: now, owner: "h/1/a", leaseUntil: now.addingTimeInterval(60), channels: Self.both,
                                            busy: [], ownerIsGone: { _ in false })
        #expect(a.map(\.channel) == ["ops", "log"])
        #expect(a.allSatisfy { $0.update == first.update.id })
        let b = try await other.claimDue(now: now, owner: "h/2/b", leaseUntil: now.addingTimeInterval(60), channels: Self.both,
                                         busy: [], ownerIsGone: { _ in false })
        #expect(b.isEmpty, "leased heads are not handed out again, and nothing may overtake them")
        // The holder died: its leases are taken over at once.
        let c2 = try await other.claimDue(now: now, owner: "h/2/b", leaseUntil: now.addingTimeInterval(60), channels: Self.both,
                                          busy: ["log"], ownerIsGone: { $0 == "h/1/a" })
        #expect(c2.map(\.channel) == ["ops"])
        // The old holder's result no longer counts.
        let late = try await ws.store.finishAttempt(
            a[0], owner: "h/1/a", now: now, result: .delivered(detail: nil),
            entry: EventDraft(occurredAt: minute(7), recordedAt: minute(7), actor: "warroom",
                              payload: .delivery(.delivered(update: a[0].update, channel: "ops", attempt: 1, detail: nil))))
        #expect(late == nil)
        #expect(try await ws.deliveryEvents().filter { if case .delivered = $0 { true } else { false } }.isEmpty)
        await other.close()
    }

    /// A lease that runs out is taken over by another worker, with the same idempotency key.
    @Test(arguments: Backend.tested)
    func anExpiredLeaseIsTakenOver(_ backend: Backend) async throws {
        let ws = try await StoreFixture(backend)
        try await ws.declare()
        let now = Self.now
        _ = try await ws.send("one", config: config(Self.twoFiles), scheduleNow: now)
        let a = try await ws.store.claimDue(now: now, owner: "far/1/a", leaseUntil: now.addingTimeInterval(40), channels: ["ops"],
                                            busy: [], ownerIsGone: { _ in false })
        #expect(a.map(\.channel) == ["ops"])
        let other = try await ws.open()
        #expect(try await other.claimDue(now: now.addingTimeInterval(39), owner: "far/2/b", leaseUntil: now.addingTimeInterval(100),
                                         channels: ["ops"], busy: [], ownerIsGone: { _ in false }).isEmpty)
        let b = try await other.claimDue(now: now.addingTimeInterval(41), owner: "far/2/b", leaseUntil: now.addingTimeInterval(100),
                                         channels: ["ops"], busy: [], ownerIsGone: { _ in false })
        #expect(b.map(\.id) == a.map(\.id))
        #expect(b.map(\.idempotencyKey) == a.map(\.idempotencyKey))
        await other.close()
    }

    /// A worker leases only the channels it can send; the rest wait for a worker that can, and are reported.
    @Test(arguments: Backend.tested)
    func aWorkerLeavesChannelsItCannotSend(_ backend: Backend) async throws {
        let ws = try await StoreFixture(backend)
        try await ws.declare()
        let now = Self.now
        _ = try await ws.send("one", config: config(Self.twoFiles), scheduleNow: now)
        try await ws.store.workerSeen(owner: "laptop/1/a", channels: ["ops"], at: now)
        let claimed = try await ws.store.claimDue(now: now, owner: "laptop/1/a", leaseUntil: now.addingTimeInterval(60),
                                                  channels: ["ops"], busy: [], ownerIsGone: { _ in false })
        #expect(claimed.map(\.channel) == ["ops"])
        #expect(try await ws.store.unservedChannels(seenSince: now.addingTimeInterval(-120)) == ["log": 1])
        try await ws.store.workerSeen(owner: "server/2/b", channels: ["ops", "log"], at: now)
        #expect(try await ws.store.unservedChannels(seenSince: now.addingTimeInterval(-120)).isEmpty)
        // Workers not seen lately no longer count: nothing pending has a sender then.
        #expect(try await ws.store.unservedChannels(seenSince: now.addingTimeInterval(60)) == ["ops": 1, "log": 1])
    }

    @Test(arguments: Backend.tested)
    func requeueingPutsAGivenUpDeliveryBack(_ backend: Backend) async throws {
        let ws = try await StoreFixture(backend)
        try await ws.declare()
        var now = Self.now
        let sent = try await ws.send("one", config: config(Self.twoFiles), scheduleNow: now)
        let claimed = try await ws.store.claimDue(now: now, owner: "h/1/a", leaseUntil: now.addingTimeInterval(60),
                                                  channels: Self.both, busy: ["log"], ownerIsGone: { _ in false })
        let delivery = try #require(claimed.first)
        _ = try await ws.store.finishAttempt(
            delivery, owner: "h/1/a", now: now, result: .abandon(problem: "webhook 404"),
            entry: EventDraft(occurredAt: minute(7), recordedAt: minute(7), actor: "warroom",
                              payload: .delivery(.abandoned(update: delivery.update, channel: "ops", attempt: 1, problem: "webhook 404"))))
        #expect(try await ws.store.deliveries(incident: nil, statuses: [.abandoned]).map(\.id) == [delivery.id])
        #expect(try await ws.state().broadcast.lastUpdate?.channels.first?.state == .abandoned(problem: "webhook 404"))

        now += 100
        let back = try await ws.store.requeue(ids: nil, incident: "INC-1", actor: "carol", now: now, at: minute(8))
        #expect(back.map(\.id) == [delivery.id])
        let row = try #require(try await ws.store.deliveries(incident: nil, statuses: [.pending]).first { $0.id == delivery.id })
        #expect(row.attempts == 0 && row.nextAttemptAt == now)
        #expect(try await ws.timelineText().contains("update #\(sent.update.id) requeued for ops"))
        #expect(try await ws.store.requeue(ids: nil, incident: nil, actor: "carol", now: now, at: minute(8)).isEmpty)
    }
}
