import Foundation
import IncidentCore
import IncidentStore
import Testing

/// A declaration and what it attaches go into the store in one transaction: both, or neither.
@Suite("SQLite event store: declaring with follow-up entries")
struct DeclareFollowUpTests {
    static let plan = Runbook(id: "major", title: "Major incident", severities: [.l1, .l2], phases: [
        Runbook.Phase(title: "Command", line: 5, steps: [Runbook.Step(id: "take", number: 1, text: "Take command", line: 6)]),
    ])

    @Test func followUpsAreStoredWithTheDeclarationAndSeeItsState() throws {
        try withWorkspace { workspace in
            let store = try SQLiteEventStore.open(workspace: workspace)
            var seen: IncidentState?
            let events = try store.declare(declaration("storage offline", .l1)) { state in
                seen = state
                return state.attachDrafts(from: [Self.plan], at: base, recordedAt: base, actor: "alice")
            }
            #expect(seen?.id == "INC-1" && seen?.severity == .l1)
            #expect(events.map(\.payload.kind) == [.declared, .runbook])
            #expect(events.allSatisfy { $0.incident == "INC-1" })
            let reopened = try SQLiteEventStore.open(workspace: workspace)
            #expect(try reopened.events(of: "INC-1") == events)
            #expect(try reopened.incidents().first?.runbooks.runbook("major")?.runbook == Self.plan)
        }
    }

    @Test func aFollowUpThatThrowsLeavesNoIncident() throws {
        struct Refused: Error {}
        try withWorkspace { workspace in
            let store = try SQLiteEventStore.open(workspace: workspace)
            #expect(throws: Refused.self) { try store.declare(declaration()) { _ in throw Refused() } }
            #expect(try store.incidents().isEmpty)
            #expect(try store.lastEventID() == 0)
            // The id is not used up either.
            #expect(try store.declare(declaration()).incident == "INC-1")
        }
    }
}
