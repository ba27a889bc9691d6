import Broadcast
import Foundation
import IncidentCore
import IncidentStore
import Testing

/// Pages through a contact's webhook channel: recorded with their outbox delivery in one transaction.
@Suite("Pages by webhook", .serialized)
struct WebhookPageTests {
    static let channels = """
        channels:
          - {name: pager, type: file, path: pages.log, updates: false}
          - {name: ops, type: file, path: ops.log}
        """

    /// dba climbs sam (webhook pager) → priya (webhook nowhere) → lee (no webhook).
    static let book = ContactBook(
        contacts: [
            Contact(id: "sam", name: "Sam Lee", phone: "+46 8 555 010 22", webhook: "pager"),
            Contact(id: "priya", name: "Priya Raman", chat: "@priya", webhook: "nowhere"),
            Contact(id: "lee", name: "Lee Adeyemi", phone: "+44 20 5550 1006"),
        ],
        roles: [EscalationRole(id: "dba", tiers: [
            TierAssignment(tier: .primary, contact: "sam"), TierAssignment(tier: .secondary, contact: "priya"),
            TierAssignment(tier: .manager, contact: "lee"),
        ])],
        policies: [.l1: EngagementPolicy(severity: .l1, roles: ["dba"])])

    @Test func thePageAndItsDeliveryAreOneTransactionAndTheTimelineSaysPage() async throws {
        let ws = try TestWorkspace()
        try ws.declare("Storage offline", severity: .l1, impact: nil)
        let c = try config(Self.channels)
        let clock = ManualClock(minute(2))
        let recorded = try await WebhookPager.send("dba", to: "INC-1", contacts: Self.book, store: ws.store, config: c, actor: "carol",
                                             occurredAt: minute(2), now: minute(2), scheduleNow: clock.now)
        let page = recorded.update
        guard case .paging(.paged(let order)) = page.payload else {
            Issue.record("the first event is the page: \(page.payload)")
            return
        }
        #expect(order.via == .webhook && order.address == "pager" && order.role == "dba" && order.tier == .primary)
        #expect(recorded.events.map(\.payload).last == .delivery(.queued(update: page.id, channels: ["pager"])))
        #expect(recorded.deliveries.map(\.channel) == ["pager"])
        #expect(recorded.deliveries.first?.content.message
                == "[L1] INC-1 Storage offline — paging Sam Lee (dba, primary): please acknowledge (warroom ack dba)")
        let state = try ws.state()
        #expect(state.paging.pages.map(\.id) == [page.id])
        #expect(state.broadcast.updates.isEmpty, "a page is not a status update: the cadence is untouched")

        // A status update skips the pages-only channel.
        let update = try await ws.send("rolling back", config: c, clock: clock, at: minute(3))
        #expect(update.deliveries.map(\.channel) == ["ops"])

        let reports = try await withSender(ws) { await worker(ws, c, clock: clock, sender: $0).deliverPending(until: clock.now.addingTimeInterval(1)) }
        #expect(reports.count == 2)
        let log = try String(contentsOf: ws.url.appendingPathComponent("pages.log"), encoding: .utf8)
        #expect(log.contains("\n[L1] INC-1 Storage offline — paging Sam Lee (dba, primary): please acknowledge (warroom ack dba)\n"))
        #expect(log.contains(recorded.deliveries[0].idempotencyKey))
        #expect(!log.contains("rolling back"))

        let after = try ws.state()
        let lines = try ws.store.events(of: "INC-1").map { after.summary(of: $0) }
        #expect(lines.contains("page #\(page.id) queued for pager"))
        #expect(lines.contains("page #\(page.id) sent to pager"))
        #expect(lines.contains("update #\(update.update.id) sent to ops"))
    }

    @Test func aDrillsPageGoesToTheDrillSinkNotThePager() async throws {
        let ws = try TestWorkspace()
        let drill = try ws.declare("Drill: storage offline", severity: .l1, impact: nil, drill: true)
        let c = try config(Self.channels)
        let clock = ManualClock(minute(2))
        let recorded = try await WebhookPager.send("dba", to: drill, contacts: Self.book, store: ws.store, config: c, actor: "carol",
                                             occurredAt: minute(2), now: minute(2), scheduleNow: clock.now)
        #expect(recorded.deliveries.map(\.channel) == ["drill-sink"])
        let reports = try await withSender(ws) { await worker(ws, c, clock: clock, sender: $0).deliverPending(until: clock.now.addingTimeInterval(1)) }
        #expect(reports.count == 1)
        let sink = try String(contentsOf: ws.url.appendingPathComponent("drill-sink.log"), encoding: .utf8)
        #expect(sink.contains("[DRILL] [L1] \(drill) Drill: storage offline — paging Sam Lee (dba, primary)"))
        #expect(!FileManager.default.fileExists(atPath: ws.url.appendingPathComponent("pages.log").path))
        let state = try #require(try ws.store.incidents().first { $0.id == drill })
        #expect(try ws.store.events(of: drill).map { state.summary(of: $0) }.contains("page #\(recorded.update.id) sent to drill-sink"))
    }

    @Test func refusalsRecordNothing() async throws {
        let ws = try TestWorkspace()
        try ws.declare("Storage offline", severity: .l1, impact: nil)
        let c = try config(Self.channels)
        func send(_ target: String, _ incident: IncidentID = "INC-1") async throws {
            _ = try await WebhookPager.send(target, to: incident, contacts: Self.book, store: ws.store, config: c, actor: "carol",
                                      occurredAt: minute(2), now: minute(2))
        }
        await #expect(throws: WebhookPageError.unknownChannel(name: "Priya Raman", channel: "nowhere", known: ["pager", "ops"])) {
            try await send("priya")
        }
        await #expect(throws: PagingError.webhookNeedsChannel(name: "Lee Adeyemi")) { try await send("lee") }
        #expect(try ws.store.events(of: "INC-1").count == 1)
        #expect(try ws.store.deliveries(incident: nil, statuses: nil).isEmpty)

        // The store takes only status updates and webhook pages into the outbox.
        let phone = PageOrder(contact: "sam", name: "Sam Lee", via: .phone, address: "+46 8 555 010 22")
        #expect(throws: (any Error).self) {
            _ = try ws.store.recordStatusUpdate(to: "INC-1", actor: "carol", now: minute(2)) { _ in
                StatusUpdatePlan(update: EventDraft(occurredAt: minute(2), recordedAt: minute(2), actor: "carol",
                                                    payload: .paging(.paged(phone))),
                                 deliveries: [])
            }
        }
        #expect(try ws.store.events(of: "INC-1").count == 1)
    }
}
