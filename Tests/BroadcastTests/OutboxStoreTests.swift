import Broadcast
import Foundation
import IncidentCore
import IncidentStore
import Testing

@Suite("The outbox in the store")
struct OutboxStoreTests {
    static let twoFiles = """
        channels:
          - {name: ops, type: file, path: ops.log}
          - {name: log, type: file, path: all.log}
        """

    @Test func anUpdateAndItsDeliveriesAreWrittenTogether() throws {
        let ws = try TestWorkspace()
        try ws.declare()
        let clock = ManualClock()
        let recorded = try ws.send("first update", config: config(Self.twoFiles), clock: clock)

        #expect(recorded.events.count == 2)
        #expect(recorded.update.payload == .statusUpdateSent(message: "first update"))
        #expect(recorded.events[1].payload == .delivery(.queued(update: recorded.update.id, channels: ["ops", "log"])))
        let rows = try ws.store.deliveries(incident: "INC-1", statuses: nil)
        #expect(rows.map(\.channel) == ["ops", "log"])
        #expect(rows.allSatisfy { $0.status == .pending && $0.attempts == 0 && $0.update == recorded.update.id })
        #expect(rows.allSatisfy { $0.nextAttemptAt == clock.now })
        #expect(Set(rows.map(\.idempotencyKey)).count == 2, "each delivery has its own key")
        #expect(rows[0].content.message == "first update")
        #expect(rows[0].content.nextUpdateBy == minute(20))
        // The cadence restarts from the update.
        #expect(try ws.state().nextStatusUpdateDue() == minute(20))
        #expect(try ws.timelineText().contains("update #2 queued for ops, log"))
    }

    /// A refusal writes nothing: no event, no delivery.
    @Test func aRefusedUpdateLeavesNoTrace() throws {
        let ws = try TestWorkspace()
        try ws.declare()
        let clock = ManualClock()
        let before = try ws.store.lastEventID()
        #expect(throws: RuleError.emptyText(what: "the status update")) {
            try ws.send("   ", config: config(Self.twoFiles), clock: clock)
        }
        #expect(throws: BroadcastError.self) {
            try ws.send("Checkout fixed by 15:00", audience: .executive, config: config("""
                channels: [{name: execs, type: file, path: e.log, audience: executive}]
                """), clock: clock)
        }
        #expect(try ws.store.lastEventID() == before)
        #expect(try ws.store.deliveries(incident: nil, statuses: nil).isEmpty)
    }

    /// If the outbox insert fails, the update rolls back with it: both or neither.
    @Test func aFailingDeliveryRowRollsTheUpdateBack() throws {
        let ws = try TestWorkspace()
        try ws.declare()
        let before = try ws.store.lastEventID()
        let content = StatusUpdateContent(incident: "INC-1", title: "t", severity: .l2, state: .declared, audience: .tactical,
                                          message: "m", sentAt: minute(5), nextUpdateBy: nil, isDrill: false)
        // Two deliveries to one channel break the (update, channel) uniqueness after the update is inserted.
        #expect(throws: (any Error).self) {
            try ws.store.recordStatusUpdate(to: "INC-1", actor: "carol", now: Date()) { state in
                StatusUpdatePlan(
                    update: EventDraft(occurredAt: minute(5), recordedAt: minute(5), actor: "carol",
                                       payload: try state.decide(.recordStatusUpdate(message: "m"), at: minute(5), now: minute(5))),
                    deliveries: [("ops", content), ("ops", content)])
            }
        }
        #expect(try ws.store.lastEventID() == before)
        #expect(try ws.store.deliveries(incident: nil, statuses: nil).isEmpty)
        // And the store's cache did not keep the rolled-back update: the cadence still counts from declaration.
        #expect(try ws.state().nextStatusUpdateDue() == minute(15))
    }

    @Test func aDrillGoesToTheBuiltInDrillSinkOnly() throws {
        let ws = try TestWorkspace()
        try ws.declare(drill: true)
        let recorded = try StatusBroadcaster.send(
            "drill update", audience: .tactical, to: "DRILL-1", store: ws.store, config: try config(Self.twoFiles), actor: "carol",
            now: minute(5))
        #expect(recorded.deliveries.map(\.channel) == ["drill-sink"])
        // A drill-sink channel of the user's own replaces the built-in one; one that takes only L1 leaves an L2 drill unheard.
        let narrow = try config("""
            channels:
              - {name: drill-sink, type: file, path: mine.log, drill: true, severities: [L1]}
            """)
        #expect(narrow.allChannels.map(\.name) == ["drill-sink"])
        let again = try StatusBroadcaster.send("second", audience: .tactical, to: "DRILL-1", store: ws.store, config: narrow, actor: "carol",
                                               now: minute(6))
        #expect(again.events.count == 1 && again.deliveries.isEmpty)
        let state = try ws.state("DRILL-1")
        #expect(StatusBroadcaster.noReceiverReason(config: narrow, state: state, audience: .tactical)?.contains("drill sinks") == true)
    }

    /// Each channel's oldest pending delivery goes first; a leased one is not handed out twice.
    @Test func claimsTakeTheHeadOfEachChannelOnce() throws {
        let ws = try TestWorkspace()
        try ws.declare()
        let clock = ManualClock()
        let c = try config(Self.twoFiles)
        let first = try ws.send("one", config: c, clock: clock, at: minute(5))
        _ = try ws.send("two", config: c, clock: clock, at: minute(6))

        let a = try ws.store.claimDue(now: clock.now, owner: "h/1/a", leaseUntil: clock.now.addingTimeInterval(60), busy: [],
                                      ownerIsGone: { _ in false })
        #expect(a.map(\.channel) == ["ops", "log"])
        #expect(a.allSatisfy { $0.update == first.update.id })
        let b = try ws.store.claimDue(now: clock.now, owner: "h/2/b", leaseUntil: clock.now.addingTimeInterval(60), busy: [],
                                      ownerIsGone: { _ in false })
        #expect(b.isEmpty, "leased heads are not handed out again, and nothing may overtake them")
        // The holder died: its leases are taken over at once.
        let c2 = try ws.store.claimDue(now: clock.now, owner: "h/2/b", leaseUntil: clock.now.addingTimeInterval(60), busy: ["log"],
                                       ownerIsGone: { $0 == "h/1/a" })
        #expect(c2.map(\.channel) == ["ops"])
        // The old holder's result no longer counts.
        let late = try ws.store.finishAttempt(a[0], owner: "h/1/a", now: clock.now, result: .delivered(detail: nil),
                                              entry: EventDraft(occurredAt: minute(7), recordedAt: minute(7), actor: "warroom",
                                                                payload: .delivery(.delivered(update: a[0].update, channel: "ops", attempt: 1, detail: nil))))
        #expect(late == nil)
        #expect(try ws.deliveryEvents().filter { if case .delivered = $0 { true } else { false } }.isEmpty)
    }

    @Test func requeueingPutsAGivenUpDeliveryBack() throws {
        let ws = try TestWorkspace()
        try ws.declare()
        let clock = ManualClock()
        _ = try ws.send("one", config: config(Self.twoFiles), clock: clock)
        let claimed = try ws.store.claimDue(now: clock.now, owner: "h/1/a", leaseUntil: clock.now.addingTimeInterval(60),
                                            busy: ["log"], ownerIsGone: { _ in false })
        let delivery = try #require(claimed.first)
        _ = try ws.store.finishAttempt(delivery, owner: "h/1/a", now: clock.now, result: .abandon(problem: "webhook 404"),
                                       entry: EventDraft(occurredAt: minute(7), recordedAt: minute(7), actor: "warroom",
                                                         payload: .delivery(.abandoned(update: delivery.update, channel: "ops", attempt: 1, problem: "webhook 404"))))
        #expect(try ws.store.deliveries(incident: nil, statuses: [.abandoned]).map(\.id) == [delivery.id])
        #expect(try ws.state().broadcast.lastUpdate?.channels.first?.state == .abandoned(problem: "webhook 404"))

        clock.advance(by: 100)
        let back = try ws.store.requeue(ids: nil, incident: "INC-1", actor: "carol", now: clock.now, at: minute(8))
        #expect(back.map(\.id) == [delivery.id])
        let row = try #require(try ws.store.deliveries(incident: nil, statuses: [.pending]).first { $0.id == delivery.id })
        #expect(row.attempts == 0 && row.nextAttemptAt == clock.now)
        #expect(try ws.timelineText().contains("update #2 requeued for ops"))
        #expect(try ws.store.requeue(ids: nil, incident: nil, actor: "carol", now: clock.now, at: minute(8)).isEmpty)
    }

    /// The outbox keeps its history: rows cannot be deleted.
    @Test(.enabled(if: WarroomTestSupportShell.tool != nil, "needs the sqlite3 shell to write outside the store's API"))
    func deliveriesCannotBeDeleted() throws {
        let ws = try TestWorkspace()
        try ws.declare()
        _ = try ws.send("one", config: config(Self.twoFiles), clock: ManualClock())
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
