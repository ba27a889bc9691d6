import Foundation
import IncidentCore
import Testing

/// Generating a postmortem is a timeline event, and `closed` waits for one written after resolution.
@Suite("Postmortem generation and closing")
struct PostmortemRuleTests {
    func generate(_ state: inout IncidentState, at date: Date, path: String = "postmortems/INC-1.md") throws {
        let payload = try state.decidePostmortem(path: path, throughEvent: state.lastEventID, digest: "0123456789abcdef",
                                                 at: date, now: date)
        state.force(payload, at: date)
    }

    @Test func aPostmortemGeneratedAfterResolutionLetsTheIncidentClose() throws {
        var state = try incident(in: .resolved, severity: .l1)
        #expect(throws: RuleError.postmortemRequired("INC-1")) {
            try state.decide(change(to: .closed), at: minute(45), now: minute(45))
        }
        try generate(&state, at: minute(46))
        #expect(state.postmortem.permitsClosing)
        #expect(try state.decide(change(to: .closed, reason: "postmortem reviewed"), at: minute(47), now: minute(47))
            == .stateChanged(from: .resolved, to: .closed, reason: "postmortem reviewed", override: nil))
    }

    /// A draft written during the outage misses how it ended, so it does not count.
    @Test(arguments: [LifecycleState.declared, .investigating, .identified, .mitigating, .monitoring])
    func aDraftDoesNotLetTheIncidentClose(state draftState: LifecycleState) throws {
        var state = try incident(in: draftState, severity: .l3)
        try generate(&state, at: minute(20))
        #expect(!state.postmortem.permitsClosing)
        for next in [LifecycleState.investigating, .identified, .mitigating, .monitoring, .resolved]
        where LifecycleState.allCases.firstIndex(of: next)! > LifecycleState.allCases.firstIndex(of: draftState)! {
            try state.record(change(to: next), at: minute(30))
        }
        #expect(throws: RuleError.postmortemRequired("INC-1")) {
            try state.decide(change(to: .closed), at: minute(40), now: minute(40))
        }
    }

    @Test func theReducerKeepsEveryGeneration() throws {
        var state = try incident(in: .monitoring)
        try generate(&state, at: minute(10), path: "draft.md")
        try state.record(change(to: .resolved, override: "customer confirmed"), at: minute(11))
        try generate(&state, at: minute(12))
        let generations = state.postmortem.generations
        #expect(generations.map(\.path) == ["draft.md", "postmortems/INC-1.md"])
        #expect(generations.map(\.lifecycle) == [.monitoring, .resolved])
        #expect(generations.map(\.at) == [minute(10), minute(12)])
        #expect(generations.map(\.by) == ["alice", "alice"])
        #expect(generations[0].throughEvent == 5)
        #expect(state.postmortem.latest(at: "draft.md")?.at == minute(10))
        #expect(state.postmortem.latest(at: "other.md") == nil)
        #expect(state.postmortem.latest?.path == "postmortems/INC-1.md")
    }

    @Test func generationIsRefusedWhenTheEntryCannotBeRecorded() throws {
        let closed = try incident(in: .closed)
        #expect(throws: RuleError.incidentClosed("INC-1")) {
            try closed.decidePostmortem(path: "p.md", throughEvent: 1, digest: "d", at: minute(50), now: minute(50))
        }
        let active = try incident(in: .mitigating)
        #expect(throws: RuleError.emptyText(what: "the postmortem's path")) {
            try active.decidePostmortem(path: "  ", throughEvent: 1, digest: "d", at: minute(5), now: minute(5))
        }
        #expect(throws: RuleError.unknownEntry(99, "INC-1")) {
            try active.decidePostmortem(path: "p.md", throughEvent: 99, digest: "d", at: minute(5), now: minute(5))
        }
        #expect(throws: RuleError.inFuture(by: 600)) {
            try active.decidePostmortem(path: "p.md", throughEvent: 1, digest: "d", at: minute(15), now: minute(5))
        }
        #expect(try active.decidePostmortem(path: " p.md ", throughEvent: 4, digest: "d", at: minute(5), now: minute(5))
            == .postmortem(.generated(path: "p.md", throughEvent: 4, digest: "d")))
    }

    @Test func theTimelineLineAndColumns() throws {
        let payload = EventPayload.postmortem(.generated(path: "postmortems/INC-1.md", throughEvent: 41, digest: "abc"))
        #expect(payload.kind == .postmortem)
        #expect(payload.summary == "postmortem written to postmortems/INC-1.md (entries up to #41)")
        #expect(payload.columns == EventColumns(kind: "postmortem", text: "postmortems/INC-1.md", value: "abc", ref: 41))
        let damaged: [(EventColumns, String)] = [
            (EventColumns(kind: "postmortem", value: "abc", ref: 41), "no path"),
            (EventColumns(kind: "postmortem", text: "p", value: "abc"), "no last entry"),
            (EventColumns(kind: "postmortem", text: "p", ref: 41), "no digest"),
        ]
        for (columns, problem) in damaged {
            let error = #expect(throws: EventDecodingError.self) { try EventPayload(columns: columns) }
            #expect(error?.problem == problem)
            #expect(error?.kind == "postmortem")
        }
    }
}
