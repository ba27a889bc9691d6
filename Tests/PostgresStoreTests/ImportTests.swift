import Foundation
import IncidentCore
@testable import PostgresStore
import Testing

@Suite("Importing a SQLite workspace", .enabled(if: TestServer.shouldRun))
struct ImportTests {
    /// A small SQLite-style log: ids far above anything the tests' sequence has given out, a correction, a drill,
    /// a status update with its outbox rows.
    static func log(first: EventID) -> (events: [Event], deliveries: [Delivery]) {
        func event(_ offset: EventID, _ incident: IncidentID, _ payload: EventPayload, at seconds: Int, recorded: Int? = nil) -> Event {
            Event(id: first + offset, incident: incident, occurredAt: t(seconds), recordedAt: t(recorded ?? seconds), actor: "alice",
                  payload: payload)
        }
        let content = StatusUpdateContent(incident: "INC-1", title: "checkout down", severity: .l2, state: .declared,
                                          audience: .tactical, message: "we are on it", sentAt: t(60),
                                          nextUpdateBy: t(1260), isDrill: false)
        let events = [
            event(0, "INC-1", .declared(Declaration(title: "checkout down", severity: .l2, impact: "EU", tags: ["db"])), at: 0),
            event(1, "INC-1", .note("failover startd"), at: 10, recorded: 400),
            event(2, "DRILL-1", .declared(Declaration(title: "fire drill", severity: .l3, isDrill: true)), at: 20),
            event(3, "INC-1", .correction(of: first + 1, text: "failover started"), at: 30),
            event(4, "INC-1", .statusUpdateSent(message: "we are on it"), at: 60),
            event(5, "INC-1", .delivery(.queued(update: first + 4, channels: ["ops", "log"])), at: 60),
            event(6, "INC-3", .declared(Declaration(title: "third", severity: .l1)), at: 70),
        ]
        let deliveries = ["ops", "log"].enumerated().map { index, channel in
            Delivery(id: Int64(index + 1), incident: "INC-1", update: first + 4, channel: channel,
                     idempotencyKey: "warroom-" + UUID().uuidString.lowercased(), content: content,
                     status: index == 0 ? .delivered : .abandoned, attempts: index + 1, nextAttemptAt: t(60),
                     lastProblem: index == 0 ? nil : "410 gone", finishedAt: t(61 + index))
        }
        return (events, deliveries)
    }

    static func firstID() -> EventID { 1_000_000_000_000 + EventID.random(in: 0..<1_000_000_000) * 100 }

    @Test func aWorkspaceIsCopiedWholeAndOnce() async throws {
        let store = try await TestServer.open()
        let first = Self.firstID()
        let (events, deliveries) = Self.log(first: first)
        let copied = try await store.importLog(events: events.shuffled(), deliveries: deliveries)
        #expect(copied.events == 7 && copied.deliveries == 2)

        #expect(try await store.allEvents() == events)
        #expect(try await store.events(of: "INC-1") == events.filter { $0.incident == "INC-1" })
        let incidents = try await store.incidents()
        #expect(incidents.map(\.id) == ["INC-1", "DRILL-1", "INC-3"])
        #expect(incidents[0].corrections == [first + 1: [first + 3]])
        let stored = try await store.deliveries(incident: nil, statuses: nil)
        #expect(stored.map(\.idempotencyKey) == deliveries.map(\.idempotencyKey))
        #expect(stored.map(\.status) == [.delivered, .abandoned])
        #expect(stored.map(\.content) == deliveries.map(\.content))
        #expect(stored.map(\.finishedAt) == deliveries.map(\.finishedAt))

        // Numbering and ids carry on after the imported ones.
        #expect(try await store.declare(declaration()).incident == "INC-4")
        #expect(try await store.declare(declaration(drill: true)).incident == "DRILL-2")
        let next = try await store.append(to: "INC-1", note("after the move"))
        #expect(next[0].id > first + 6)

        // Again: nothing is copied twice.
        let again = try await store.importLog(events: events, deliveries: deliveries)
        #expect(again.events == 0 && again.deliveries == 0)
        #expect(try await store.events(of: "INC-1").count == 6)
        await store.close()
    }

    @Test func aDifferingEventRefusesTheWholeImport() async throws {
        let store = try await TestServer.open()
        let first = Self.firstID()
        var (events, deliveries) = Self.log(first: first)
        _ = try await store.importLog(events: Array(events.prefix(3)), deliveries: [])

        events[1].payload = .note("rewritten history")
        let error = await storeError { _ = try await store.importLog(events: events, deliveries: deliveries) }
        #expect(error == .unusable(
            "\(store.location.redacted) (workspace \(store.workspace)): event #\(first + 1) differs from the team store's "
                + "event #\(first + 1); nothing was imported"))
        #expect(try await store.allEvents().count == 3)
        #expect(try await store.deliveries(incident: nil, statuses: nil).isEmpty)

        // Nor may an import slip entries in before what the team store already has of an incident.
        events[1].payload = .note("failover startd")
        _ = try await store.append(to: "INC-1", note("typed in the team store"))
        let late = await storeError { _ = try await store.importLog(events: events, deliveries: deliveries) }
        #expect(late.map { "\($0)".contains("event #\(first + 3) of INC-1 is older than the team store's event") } == true)

        // A delivery's key belongs to one workspace.
        let other = try await TestServer.open()
        let third = try await TestServer.open()
        for (target, log) in [(other, Self.log(first: Self.firstID())), (third, Self.log(first: Self.firstID()))] {
            _ = try await target.importLog(events: Array(log.events.prefix(5)), deliveries: [])
            let sameKeys = deliveries.map { delivery in
                var copy = delivery
                copy.update = log.events[4].id
                return copy
            }
            let outcome = await storeError { _ = try await target.importLog(events: [], deliveries: sameKeys) }
            if target === other {
                #expect(outcome == nil)
            } else {
                #expect(outcome.map { "\($0)".contains("already belongs to another workspace") } == true)
            }
        }
        for store in [store, other, third] { await store.close() }
    }
}
