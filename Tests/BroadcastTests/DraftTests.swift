import Broadcast
import Foundation
import IncidentCore
import Testing

/// Drafting is pure: a state, an audience, a time and a zone in; text out.
@Suite("Status update drafts")
struct DraftTests {
    private func incident(_ severity: Severity = .l2, impact: String? = "30% of payments fail", drill: Bool = false) -> IncidentState {
        IncidentState(declaration: Event(
            id: 1, incident: "INC-1", occurredAt: base, recordedAt: base, actor: "alice",
            payload: .declared(Declaration(title: "Checkout errors in eu-west", severity: severity, impact: impact, isDrill: drill))))!
    }

    private func apply(_ state: inout IncidentState, _ payload: EventPayload, at date: Date) {
        state.apply(Event(id: state.lastEventID + 1, incident: state.id, occurredAt: date, recordedAt: date, actor: "alice",
                          payload: payload))
    }

    private func moved(_ state: inout IncidentState, to target: LifecycleState, at date: Date) {
        apply(&state, .stateChanged(from: state.lifecycle, to: target, reason: nil, override: nil), at: date)
    }

    @Test func tacticalReadsLevelStateTitleImpactActionAndNextUpdate() {
        var state = incident()
        moved(&state, to: .investigating, at: minute(1))
        moved(&state, to: .identified, at: minute(2))
        moved(&state, to: .mitigating, at: minute(3))
        apply(&state, .decision("rolling back release 4.2"), at: minute(4))
        let text = StatusUpdateDraft.text(for: state, audience: .tactical, now: minute(10), timeZone: utc)
        #expect(text == "[L2][mitigating] Checkout errors in eu-west — 30% of payments fail — rolling back release 4.2 — next update by 14:25")
    }

    @Test func withoutADecisionTheStateSaysWhatIsBeingDone() {
        var state = incident(.l1, impact: nil)
        moved(&state, to: .investigating, at: minute(1))
        let text = StatusUpdateDraft.text(for: state, audience: .tactical, now: minute(3), timeZone: utc)
        #expect(text == "[L1][investigating] Checkout errors in eu-west — impact being assessed — investigating the cause — next update by 14:18")
    }

    /// The next update is one cadence of the current level after now, in the display zone, from `warroom.yaml`.
    @Test func nextUpdateFollowsTheConfiguredCadenceAndZone() throws {
        var policy = Policy.standard
        policy.cadence[.l3] = .seconds(45 * 60)
        let state = incident(.l3)
        let shanghai = try #require(TimeZone(identifier: "Asia/Shanghai"))
        let text = StatusUpdateDraft.text(for: state, audience: .tactical, now: minute(0), policy: policy, timeZone: shanghai)
        #expect(text.hasSuffix("next update by 22:45"), "\(text)")
        #expect(StatusUpdateDraft.nextUpdate(state, now: minute(0), policy: policy) == minute(45))
    }

    @Test func aDecisionCorrectedIsDraftedAsCorrected() {
        var state = incident()
        apply(&state, .decision("restart the pool"), at: minute(1))
        apply(&state, .correction(of: 2, text: "drain and restart the pool"), at: minute(2))
        #expect(StatusUpdateDraft.text(for: state, audience: .tactical, now: minute(3), timeZone: utc)
            .contains("— drain and restart the pool —"))
    }

    @Test func linesBreaksInTheTitleOrImpactDoNotBreakTheUpdate() {
        let state = incident(impact: "EU users\ncannot  pay")
        #expect(StatusUpdateDraft.text(for: state, audience: .tactical, now: minute(1), timeZone: utc)
            .contains("— EU users cannot pay —"))
    }

    @Test func executiveGivesStatusImpactAndNextUpdateButNoDecision() {
        var state = incident(.l1)
        moved(&state, to: .investigating, at: minute(1))
        moved(&state, to: .identified, at: minute(2))
        moved(&state, to: .mitigating, at: minute(3))
        apply(&state, .decision("roll back 4.2, ETA 15:00"), at: minute(4))
        let text = StatusUpdateDraft.text(for: state, audience: .executive, now: minute(10), timeZone: utc)
        #expect(text == "Checkout errors in eu-west (L1: core business down for many users, or data at risk). "
            + "Status: a fix is being applied. Impact: 30% of payments fail. Next update by 14:25 UTC.")
        #expect(StatusUpdateDraft.promisedFixTime(in: text) == nil)
    }

    @Test func drillsSayDrillAndResolvedIncidentsSayFinal() {
        var drill = incident(drill: true)
        #expect(StatusUpdateDraft.text(for: drill, audience: .tactical, now: minute(1), timeZone: utc).hasPrefix("[DRILL][L2][declared]"))
        #expect(StatusUpdateDraft.text(for: drill, audience: .executive, now: minute(1), timeZone: utc).hasPrefix("[DRILL] Checkout"))
        for (step, target) in [LifecycleState.investigating, .identified, .mitigating, .monitoring, .resolved].enumerated() {
            moved(&drill, to: target, at: minute(Double(step + 1)))
        }
        #expect(StatusUpdateDraft.text(for: drill, audience: .tactical, now: minute(40), timeZone: utc).hasSuffix("— resolved — final update"))
        #expect(StatusUpdateDraft.text(for: drill, audience: .executive, now: minute(40), timeZone: utc)
            .hasSuffix("Status: resolved. Impact: 30% of payments fail. This is the final update."))
    }

    @Test(arguments: [
        ("ETA 15:00", "ETA 15:00"),
        ("We expect it fixed by 3pm.", "fixed by 3pm"),
        ("Service should be restored within 30 minutes", "restored within 30 minutes"),
        ("back online by tomorrow", "back online by tomorrow"),
        ("resolution by end of day", "resolution by end of day"),
        ("it will be resolved in 2 hours", "resolved in 2 hours"),
    ])
    func promisedFixTimesAreFound(text: String, phrase: String) {
        #expect(StatusUpdateDraft.promisedFixTime(in: text) == phrase)
    }

    @Test(arguments: [
        "Checkout restored by rolling back the release; monitoring.",
        "Next update by 14:45 UTC.",
        "The estimate of impact is 30% of payments.",
        "Engineers are working on a fix.",
    ])
    func ordinaryStatusIsNotAPromise(text: String) {
        #expect(StatusUpdateDraft.promisedFixTime(in: text) == nil)
    }

    /// Punctuality for the postmortem: each update knows when it was due.
    @Test func everyUpdateKnowsWhenItWasDue() {
        var state = incident()
        apply(&state, .statusUpdateSent(message: "first"), at: minute(12))
        apply(&state, .statusUpdateSent(message: "second, late"), at: minute(31))
        apply(&state, .severityChanged(from: .l2, to: .l1, reason: "all regions"), at: minute(33))
        apply(&state, .statusUpdateSent(message: "after the upgrade"), at: minute(35))
        let updates = state.broadcast.updates
        #expect(updates.map { $0.dueAt() } == [minute(15), minute(27), minute(33)])
        #expect(updates.map { $0.lateness() } == [0, 4 * 60, 2 * 60])
    }
}
