import Foundation
import IncidentCore
import Testing

/// The lifecycle from the product spec, written out by hand so the tests do not just echo `legalNext`.
let specLegalNext: [LifecycleState: [LifecycleState]] = [
    .declared: [.investigating],
    .investigating: [.identified],
    .identified: [.mitigating],
    .mitigating: [.monitoring],
    .monitoring: [.resolved, .mitigating],
    .resolved: [.closed],
    .closed: [],
]

@Suite("Lifecycle state machine")
struct TransitionTests {
    @Test func legalNextMatchesTheSpec() {
        for state in LifecycleState.allCases {
            #expect(state.legalNext == specLegalNext[state], "from \(state)")
        }
    }

    @Test func onlyResolvedAndClosedAreInactive() {
        let active = LifecycleState.allCases.filter(\.isActive)
        #expect(active == [.declared, .investigating, .identified, .mitigating, .monitoring])
    }

    /// All 49 pairs. L3 so the monitoring period does not interfere; L1/L2 resolution has its own tests.
    @Test(arguments: LifecycleState.allCases, LifecycleState.allCases)
    func everyPair(from: LifecycleState, to: LifecycleState) throws {
        let state = try incident(in: from, severity: .l3)
        let when = minute(50) // after every step of the happy path
        let outcome = Result { () throws(RuleError) in
            try state.decide(change(to: to, reason: "why"), at: when, now: when)
        }

        let expected: Result<EventPayload, RuleError>
        if from == .closed {
            expected = .failure(.incidentClosed("INC-1"))
        } else if from == to {
            expected = .failure(.alreadyInState("INC-1", to))
        } else if !specLegalNext[from]!.contains(to) {
            expected = .failure(.illegalTransition("INC-1", from: from, to: to, legal: specLegalNext[from]!))
        } else if to == .closed {
            // No postmortem has been generated on these incidents, so none can be closed (PostmortemRuleTests).
            expected = .failure(.postmortemRequired("INC-1"))
        } else {
            expected = .success(.stateChanged(from: from, to: to, reason: "why", override: nil))
        }
        #expect(outcome == expected)
    }

    @Test(arguments: LifecycleState.allCases.filter { $0 != .closed })
    func illegalTransitionMessagesNameTheLegalStates(from: LifecycleState) throws {
        let state = try incident(in: from, severity: .l3)
        let target: LifecycleState = from == .declared ? .resolved : .declared
        let error = #expect(throws: RuleError.self) {
            try state.decide(change(to: target), at: minute(50), now: minute(50))
        }
        let legal = specLegalNext[from]!.map(\.rawValue)
        #expect(error?.description
            == "INC-1 cannot move from \(from.rawValue) to \(target.rawValue); legal now: \(legal.joined(separator: ", "))")
    }

    @Test func exactIllegalTransitionMessages() throws {
        let declared = declared()
        #expect(throws: RuleError.illegalTransition("INC-1", from: .declared, to: .mitigating, legal: [.investigating])) {
            try declared.decide(change(to: .mitigating), at: minute(1), now: minute(1))
        }
        #expect(RuleError.illegalTransition("INC-1", from: .declared, to: .mitigating, legal: [.investigating]).description
            == "INC-1 cannot move from declared to mitigating; legal now: investigating")
        #expect(RuleError.illegalTransition("INC-4", from: .monitoring, to: .identified, legal: [.resolved, .mitigating])
            .description == "INC-4 cannot move from monitoring to identified; legal now: resolved, mitigating")
        #expect(RuleError.illegalTransition("INC-4", from: .closed, to: .declared, legal: []).description
            == "INC-4 cannot move from closed to declared; legal now: none")
    }

    @Test func sameStateMessage() throws {
        let state = try incident(in: .mitigating)
        let error = #expect(throws: RuleError.self) {
            try state.decide(change(to: .mitigating), at: minute(10), now: minute(10))
        }
        #expect(error == .alreadyInState("INC-1", .mitigating))
        #expect(error?.description == "INC-1 is already mitigating")
    }

    @Test func closingNeedsAPostmortem() throws {
        let state = try incident(in: .resolved, severity: .l1)
        let error = #expect(throws: RuleError.self) {
            try state.decide(change(to: .closed, override: "just close it"), at: minute(50), now: minute(50))
        }
        #expect(error == .postmortemRequired("INC-1"))
        #expect(error?.description
            == "INC-1 can be closed only after its postmortem has been generated since it was resolved (warroom postmortem)")
    }

    static let everyCommand: [IncidentCommand] = [
        .note("n"), .decision("d"), .actionItem("a"), change(to: .resolved), change(to: .closed),
        .changeSeverity(to: .l1, reason: "r"), .assignRole(role: "scribe", holder: "bob"), .correct(1, text: "c"),
        .recordStatusUpdate(message: "m"),
    ]

    @Test(arguments: everyCommand)
    func closedIncidentsRefuseEverything(command: IncidentCommand) throws {
        let state = try incident(in: .closed)
        #expect(throws: RuleError.incidentClosed("INC-1")) {
            try state.decide(command, at: minute(60), now: minute(60))
        }
    }

    @Test func closedMessage() {
        #expect(RuleError.incidentClosed("INC-2").description == "INC-2 is closed; nothing more can be recorded on it")
    }

    /// Resolved is not closed: the timeline stays open for notes and the postmortem's raw material.
    @Test(arguments: [
        IncidentCommand.note("n"), .decision("d"), .actionItem("a"), .assignRole(role: "scribe", holder: "bob"),
        .correct(1, text: "c"), .recordStatusUpdate(message: "all clear"),
    ])
    func resolvedIncidentsStillTakeEntries(command: IncidentCommand) throws {
        let state = try incident(in: .resolved)
        #expect(throws: Never.self) { try state.decide(command, at: minute(60), now: minute(60)) }
    }

    @Test func theFixDidNotHold() throws {
        var state = try incident(in: .monitoring)
        try state.record(change(to: .mitigating, reason: "error rate back up"), at: minute(10))
        #expect(state.lifecycle == .mitigating)
        try state.record(change(to: .monitoring), at: minute(12))
        #expect(state.lifecycle == .monitoring)
    }

    @Test func stateChangeReasonIsTrimmedAndBlankMeansNone() throws {
        let state = declared()
        #expect(try state.decide(change(to: .investigating, reason: "  paged in \n"), at: minute(1), now: minute(1))
            == .stateChanged(from: .declared, to: .investigating, reason: "paged in", override: nil))
        #expect(try state.decide(change(to: .investigating, reason: " \t "), at: minute(1), now: minute(1))
            == .stateChanged(from: .declared, to: .investigating, reason: nil, override: nil))
        #expect(try state.decide(change(to: .investigating), at: minute(1), now: minute(1))
            == .stateChanged(from: .declared, to: .investigating, reason: nil, override: nil))
    }

    @Test(arguments: [("declared", LifecycleState.declared), ("Investigating", .investigating),
                      ("MONITORING", .monitoring), ("closed", .closed)])
    func stateNamesParseCaseInsensitively(text: String, state: LifecycleState) {
        #expect(LifecycleState(parsing: text) == state)
    }

    @Test(arguments: ["", "open", "resolve", " resolved"])
    func unknownStateNames(text: String) {
        #expect(LifecycleState(parsing: text) == nil)
    }

    @Test func stateSpellings() {
        #expect(LifecycleState.spellings
            == "declared, investigating, identified, mitigating, monitoring, resolved, closed")
    }
}

@Suite("Monitoring period before resolution")
struct MonitoringPeriodTests {
    // `incident(in: .monitoring)` enters monitoring at minute 4.

    @Test(arguments: [Severity.l1, .l2])
    func tooShortIsRefused(severity: Severity) throws {
        let state = try incident(in: .monitoring, severity: severity)
        let error = #expect(throws: RuleError.self) {
            try state.decide(change(to: .resolved), at: minute(16), now: minute(16))
        }
        #expect(error == .monitoringTooShort("INC-1", severity: severity, monitored: 12 * 60, required: 30 * 60))
        #expect(error?.description
            == "INC-1 is \(severity.rawValue): it must be monitored for 30m 00s before it is resolved; "
            + "monitored for 12m 00s, 18m 00s to go (override with a reason to resolve now)")
    }

    @Test func oneSecondShortIsRefused() throws {
        let state = try incident(in: .monitoring, severity: .l1)
        #expect(throws: RuleError.monitoringTooShort("INC-1", severity: .l1, monitored: 30 * 60 - 1, required: 30 * 60)) {
            try state.decide(change(to: .resolved), at: minute(34).addingTimeInterval(-1), now: minute(40))
        }
    }

    @Test(arguments: [Severity.l1, .l2])
    func exactlyThePeriodIsEnough(severity: Severity) throws {
        let state = try incident(in: .monitoring, severity: severity)
        #expect(try state.decide(change(to: .resolved), at: minute(34), now: minute(34))
            == .stateChanged(from: .monitoring, to: .resolved, reason: nil, override: nil))
    }

    @Test(arguments: [Severity.l1, .l2])
    func anOverrideResolvesAtOnceAndIsRecorded(severity: Severity) throws {
        var state = try incident(in: .monitoring, severity: severity)
        let event = try state.record(
            change(to: .resolved, reason: "traffic normal", override: "  customer confirmed recovery "),
            at: minute(5))
        #expect(event.payload == .stateChanged(from: .monitoring, to: .resolved, reason: "traffic normal",
                                               override: "customer confirmed recovery"))
        #expect(state.lifecycle == .resolved)
    }

    @Test func aBlankOverrideIsNoOverride() throws {
        let state = try incident(in: .monitoring, severity: .l1)
        #expect(throws: RuleError.monitoringTooShort("INC-1", severity: .l1, monitored: 60, required: 30 * 60)) {
            try state.decide(change(to: .resolved, override: "  \n"), at: minute(5), now: minute(5))
        }
    }

    @Test(arguments: [Severity.l3, .l4])
    func minorIncidentsResolveAtOnce(severity: Severity) throws {
        let state = try incident(in: .monitoring, severity: severity)
        #expect(try state.decide(change(to: .resolved), at: minute(4), now: minute(4))
            == .stateChanged(from: .monitoring, to: .resolved, reason: nil, override: nil))
    }

    /// Whether the period applies depends on the severity at resolution, not at declaration.
    @Test func theSeverityAtResolutionCounts() throws {
        var downgraded = try incident(in: .monitoring, severity: .l1)
        try downgraded.record(.changeSeverity(to: .l3, reason: "only one region left"), at: minute(5))
        #expect(throws: Never.self) { try downgraded.decide(change(to: .resolved), at: minute(6), now: minute(6)) }

        var upgraded = try incident(in: .monitoring, severity: .l4)
        try upgraded.record(.changeSeverity(to: .l2, reason: "data at risk"), at: minute(5))
        #expect(throws: RuleError.monitoringTooShort("INC-1", severity: .l2, monitored: 120, required: 30 * 60)) {
            try upgraded.decide(change(to: .resolved), at: minute(6), now: minute(6))
        }
    }

    @Test func aCustomPolicy() throws {
        var policy = Policy.standard
        policy.monitoringPeriod = .seconds(10 * 60)
        policy.monitoredSeverities = [.l1, .l2, .l3]
        let l3 = try incident(in: .monitoring, severity: .l3)
        let error = #expect(throws: RuleError.self) {
            try l3.decide(change(to: .resolved), at: minute(13), now: minute(13), policy: policy)
        }
        #expect(error == .monitoringTooShort("INC-1", severity: .l3, monitored: 9 * 60, required: 10 * 60))
        #expect(error?.description == "INC-1 is L3: it must be monitored for 10m 00s before it is resolved; "
            + "monitored for 9m 00s, 1m 00s to go (override with a reason to resolve now)")
        #expect(throws: Never.self) {
            try l3.decide(change(to: .resolved), at: minute(14), now: minute(14), policy: policy)
        }
        // The standard policy would have refused an L2 at 10 minutes; this one does not.
        let l2 = try incident(in: .monitoring, severity: .l2)
        #expect(throws: Never.self) {
            try l2.decide(change(to: .resolved), at: minute(14), now: minute(14), policy: policy)
        }
    }

    @Test func aPolicyWithNoMonitoredSeverities() throws {
        var policy = Policy.standard
        policy.monitoredSeverities = []
        let state = try incident(in: .monitoring, severity: .l1)
        #expect(throws: Never.self) {
            try state.decide(change(to: .resolved), at: minute(4), now: minute(4), policy: policy)
        }
    }

    /// Going back to mitigating means the fix did not hold: the monitoring clock starts over.
    @Test func returningToMitigatingRestartsThePeriod() throws {
        var state = try incident(in: .monitoring, severity: .l1)
        try state.record(change(to: .mitigating, reason: "fix did not hold"), at: minute(30))
        try state.record(change(to: .monitoring), at: minute(40))
        // 66 minutes after monitoring first began, but only 26 in the current stretch.
        #expect(throws: RuleError.monitoringTooShort("INC-1", severity: .l1, monitored: 26 * 60, required: 30 * 60)) {
            try state.decide(change(to: .resolved), at: minute(66), now: minute(66))
        }
        #expect(throws: Never.self) { try state.decide(change(to: .resolved), at: minute(70), now: minute(70)) }
        #expect(state.monitoredFor(now: minute(66)) == 26 * 60.0)
    }

    @Test func monitoredForOnlyWhileMonitoring() throws {
        let monitoring = try incident(in: .monitoring)
        #expect(monitoring.monitoredFor(now: minute(4)) == 0)
        #expect(monitoring.monitoredFor(now: minute(14.5)) == 630)
        // A clock that lags the monitoring entry does not show a negative time.
        #expect(monitoring.monitoredFor(now: minute(3)) == 0)
        #expect(try incident(in: .mitigating).monitoredFor(now: minute(10)) == nil)
        #expect(try incident(in: .resolved).monitoredFor(now: minute(40)) == nil)
    }
}
