import Foundation
import IncidentCore
import Testing

@Suite("Severity")
struct SeverityTests {
    @Test(arguments: Severity.allCases, Severity.allCases)
    func everyChange(from: Severity, to: Severity) throws {
        var state = declared(severity: from)
        try state.record(change(to: .investigating), at: minute(1))
        let outcome = Result { () throws(RuleError) in
            try state.decide(.changeSeverity(to: to, reason: "scope changed"), at: minute(2), now: minute(2))
        }
        if from == to {
            #expect(outcome == .failure(.sameSeverity("INC-1", to)))
        } else {
            #expect(outcome == .success(.severityChanged(from: from, to: to, reason: "scope changed")))
        }
    }

    /// Severity moves both ways at any time before resolution, from every active state.
    @Test(arguments: [LifecycleState.declared, .investigating, .identified, .mitigating, .monitoring])
    func changesInEveryActiveState(state lifecycle: LifecycleState) throws {
        var state = try incident(in: lifecycle, severity: .l2)
        try state.record(.changeSeverity(to: .l1, reason: "worse"), at: minute(50))
        try state.record(.changeSeverity(to: .l4, reason: "better"), at: minute(51))
        #expect(state.severity == .l4)
        #expect(state.severityHistory.map(\.severity) == [.l2, .l1, .l4])
        #expect(state.severityHistory.map(\.since) == [base, minute(50), minute(51)])
        #expect(state.lifecycle == lifecycle)
    }

    @Test func sameSeverityMessage() {
        let error = #expect(throws: RuleError.self) {
            try declared(severity: .l3).decide(.changeSeverity(to: .l3, reason: "r"), at: minute(1), now: minute(1))
        }
        #expect(error == .sameSeverity("INC-1", .l3))
        #expect(error?.description == "INC-1 is already L3")
    }

    @Test(arguments: ["", " ", "\t\n  "])
    func aReasonIsRequired(reason: String) {
        let error = #expect(throws: RuleError.self) {
            try declared(severity: .l2).decide(.changeSeverity(to: .l1, reason: reason), at: minute(1), now: minute(1))
        }
        #expect(error == .reasonRequired(what: "a severity change"))
        #expect(error?.description == "a severity change needs a reason")
    }

    @Test func theReasonIsTrimmed() throws {
        let payload = try declared(severity: .l2)
            .decide(.changeSeverity(to: .l1, reason: "  all regions down \n"), at: minute(1), now: minute(1))
        #expect(payload == .severityChanged(from: .l2, to: .l1, reason: "all regions down"))
    }

    @Test func resolvedIncidentsKeepTheirSeverity() throws {
        let state = try incident(in: .resolved)
        let error = #expect(throws: RuleError.self) {
            try state.decide(.changeSeverity(to: .l1, reason: "r"), at: minute(50), now: minute(50))
        }
        #expect(error == .severityAfterResolution("INC-1", .resolved))
        #expect(error?.description == "INC-1 is resolved; its severity can no longer change")
    }

    /// Asking for the level it already has after resolution still says the real problem: it is resolved.
    @Test func afterResolutionWinsOverSameSeverity() throws {
        let state = try incident(in: .resolved, severity: .l2)
        #expect(throws: RuleError.severityAfterResolution("INC-1", .resolved)) {
            try state.decide(.changeSeverity(to: .l2, reason: "r"), at: minute(50), now: minute(50))
        }
    }

    @Test func closedIncidentsSayClosed() throws {
        let state = try incident(in: .closed)
        #expect(throws: RuleError.incidentClosed("INC-1")) {
            try state.decide(.changeSeverity(to: .l1, reason: "r"), at: minute(50), now: minute(50))
        }
    }

    @Test func ranksAndOrdering() {
        #expect(Severity.allCases.map(\.rank) == [1, 2, 3, 4])
        #expect(Severity.l1.isWorse(than: .l2))
        #expect(Severity.l2.isWorse(than: .l4))
        #expect(!Severity.l3.isWorse(than: .l2))
        #expect(!Severity.l2.isWorse(than: .l2))
    }

    @Test(arguments: [("L1", Severity.l1), ("l2", .l2), ("L3", .l3), ("l4", .l4)])
    func parsing(text: String, severity: Severity) {
        #expect(Severity(parsing: text) == severity)
    }

    @Test(arguments: ["", "L0", "L5", "1", "P1", "sev1", " L1"])
    func unknownLevels(text: String) {
        #expect(Severity(parsing: text) == nil)
    }

    @Test func meaningsAndSpellings() {
        #expect(Severity.spellings == "L1, L2, L3, L4")
        #expect(Severity.l1.meaning == "core business down for many users, or data at risk")
        #expect(Severity.l2.meaning == "core function degraded or partial outage")
        #expect(Severity.l3.meaning == "minor function impaired, workaround exists")
        #expect(Severity.l4.meaning == "no user impact")
    }
}

@Suite("Entry times")
struct EntryTimeTests {
    static let changes: [IncidentCommand] = [change(to: .investigating), .changeSeverity(to: .l1, reason: "r")]
    static let entries: [IncidentCommand] = changes + [
        .note("n"), .decision("d"), .actionItem("a"), .assignRole(role: "scribe", holder: "bob"),
        .correct(1, text: "c"), .recordStatusUpdate(message: "m"),
    ]

    @Test(arguments: entries)
    func moreThanTheToleranceInTheFutureIsRefused(command: IncidentCommand) {
        let state = declared()
        let error = #expect(throws: RuleError.self) {
            try state.decide(command, at: minute(11).addingTimeInterval(1), now: minute(10))
        }
        #expect(error == .inFuture(by: 61))
        #expect(error?.description == "that time is 1m 01s in the future")
    }

    /// Terminals' clocks drift: up to a minute ahead is accepted.
    @Test(arguments: entries)
    func exactlyTheToleranceAheadIsAccepted(command: IncidentCommand) {
        let state = declared()
        #expect(throws: Never.self) { try state.decide(command, at: minute(11), now: minute(10)) }
    }

    @Test func aCustomTolerance() {
        var policy = Policy.standard
        policy.futureTolerance = .seconds(5)
        let state = declared()
        #expect(throws: RuleError.inFuture(by: 6)) {
            try state.decide(.note("n"), at: second(606), now: minute(10), policy: policy)
        }
        #expect(throws: Never.self) { try state.decide(.note("n"), at: second(605), now: minute(10), policy: policy) }
    }

    @Test(arguments: changes)
    func changesBeforeTheLastChangeAreRefused(command: IncidentCommand) throws {
        var state = declared()
        try state.record(.changeSeverity(to: .l3, reason: "narrower"), at: minute(10))
        let error = #expect(throws: RuleError.self) {
            try state.decide(command, at: minute(8.5), now: minute(12))
        }
        #expect(error == .beforeLastChange(by: 90))
        #expect(error?.description
            == "that time is 1m 30s before the incident's last state or severity change; changes must be recorded in order")
        #expect(throws: RuleError.beforeLastChange(by: 1)) {
            try state.decide(command, at: minute(10).addingTimeInterval(-1), now: minute(12))
        }
    }

    @Test(arguments: changes)
    func changesBeforeTheDeclarationAreRefused(command: IncidentCommand) {
        #expect(throws: RuleError.beforeLastChange(by: 60)) {
            try declared().decide(command, at: minute(-1), now: minute(1))
        }
    }

    @Test(arguments: changes)
    func changesAtTheSameInstantAsTheLastAreFine(command: IncidentCommand) throws {
        var state = declared()
        try state.record(change(to: .investigating), at: minute(10))
        // The severity command differs from the state command, so both may land at minute 10.
        let next = command == change(to: .investigating) ? change(to: .identified) : command
        #expect(throws: Never.self) { try state.decide(next, at: minute(10), now: minute(10)) }
    }

    /// The scribe's backdated "14:07 alert fired" is the whole point of backdating.
    @Test(arguments: [IncidentCommand.note("alert fired"), .decision("d"), .actionItem("a"),
                      .recordStatusUpdate(message: "m"), .assignRole(role: "scribe", holder: "bob"),
                      .correct(1, text: "c")])
    func otherEntriesMayBeBackdatedBeforeEverything(command: IncidentCommand) throws {
        var state = declared()
        try state.record(change(to: .investigating), at: minute(10))
        let event = try state.record(command, at: minute(-7), now: minute(12))
        #expect(event.occurredAt == minute(-7))
        #expect(event.recordedAt == minute(12))
        #expect(event.isBackdated)
        #expect(state.firstSignalAt == minute(-7))
        #expect(state.declaredAt == base)
        #expect(state.lastChangeAt == minute(10))
    }

    @Test func isBackdatedMeansMoreThanAMinuteLate() {
        func event(late seconds: Double) -> Event {
            Event(id: 1, incident: "INC-1", occurredAt: base, recordedAt: second(seconds), actor: "a", payload: .note("n"))
        }
        #expect(!event(late: 0).isBackdated)
        #expect(!event(late: 60).isBackdated)
        #expect(event(late: 61).isBackdated)
        #expect(!event(late: -30).isBackdated)
    }

    @Test func theClosedCheckComesBeforeTheTimeCheck() throws {
        let state = try incident(in: .closed)
        #expect(throws: RuleError.incidentClosed("INC-1")) {
            try state.decide(.note("n"), at: minute(500), now: minute(50))
        }
    }
}

@Suite("Other commands")
struct CommandTests {
    @Test func textEntriesAreTrimmed() throws {
        let state = declared()
        #expect(try state.decide(.note("  db failover started \n"), at: minute(1), now: minute(1))
            == .note("db failover started"))
        #expect(try state.decide(.decision(" roll back "), at: minute(1), now: minute(1)) == .decision("roll back"))
        #expect(try state.decide(.actionItem("\tadd canary\t"), at: minute(1), now: minute(1))
            == .actionItem("add canary"))
        #expect(try state.decide(.recordStatusUpdate(message: " all clear "), at: minute(1), now: minute(1))
            == .statusUpdateSent(message: "all clear"))
        #expect(try state.decide(.correct(1, text: " 14:07 not 14:17 "), at: minute(1), now: minute(1))
            == .correction(of: 1, text: "14:07 not 14:17"))
        #expect(try state.decide(.assignRole(role: " Communications ", holder: " bob "), at: minute(1), now: minute(1))
            == .handoff(.offered(role: "comms", to: "bob", from: "alice")))
    }

    @Test(arguments: [
        (IncidentCommand.note(" "), "the note"), (.decision(""), "the decision"), (.actionItem("\n"), "the action item"),
        (.recordStatusUpdate(message: "  "), "the status update"), (.correct(1, text: ""), "the correction"),
        (.assignRole(role: " ", holder: "bob"), "the role"), (.assignRole(role: "scribe", holder: "\t"), "the role holder"),
    ])
    func emptyTextIsRefused(command: IncidentCommand, what: String) {
        let error = #expect(throws: RuleError.self) {
            try declared().decide(command, at: minute(1), now: minute(1))
        }
        #expect(error == .emptyText(what: what))
        #expect(error?.description == "\(what) is empty")
    }

    @Test func correctionsMustTargetAnEntryOfThisIncident() throws {
        var state = declared()
        let note = try state.record(.note("alert at 14:17"), at: minute(1))
        #expect(try state.decide(.correct(note.id, text: "14:07"), at: minute(2), now: minute(2))
            == .correction(of: note.id, text: "14:07"))
        let error = #expect(throws: RuleError.self) {
            try state.decide(.correct(99, text: "x"), at: minute(2), now: minute(2))
        }
        #expect(error == .unknownEntry(99, "INC-1"))
        #expect(error?.description == "INC-1 has no entry #99")
    }

    @Test func aCorrectionMayCorrectACorrection() throws {
        var state = declared()
        let note = try state.record(.note("alert at 14:17"), at: minute(1))
        let fix = try state.record(.correct(note.id, text: "14:07"), at: minute(2))
        try state.record(.correct(fix.id, text: "14:06"), at: minute(3))
        #expect(state.corrections == [note.id: [fix.id], fix.id: [fix.id + 1]])
    }
}

@Suite("Declaring")
struct DeclarationValidationTests {
    @Test func titleAndImpactAreTrimmed() throws {
        let d = Declaration(title: "  Checkout down ", severity: .l1, impact: " EU users \n", isDrill: true)
        #expect(try d.validated(at: base, now: base)
            == Declaration(title: "Checkout down", severity: .l1, impact: "EU users", isDrill: true))
    }

    @Test(arguments: [nil, "", "   "] as [String?])
    func blankImpactIsNoImpact(impact: String?) throws {
        let d = Declaration(title: "t", severity: .l3, impact: impact)
        #expect(try d.validated(at: base, now: base).impact == nil)
    }

    @Test(arguments: ["", "  \n"])
    func aTitleIsRequired(title: String) {
        let error = #expect(throws: RuleError.self) {
            try Declaration(title: title, severity: .l2).validated(at: base, now: base)
        }
        #expect(error == .emptyText(what: "the title"))
        #expect(error?.description == "the title is empty")
    }

    @Test func notInTheFuture() {
        let d = Declaration(title: "t", severity: .l2)
        #expect(throws: RuleError.inFuture(by: 120)) { try d.validated(at: minute(12), now: minute(10)) }
        #expect(throws: Never.self) { try d.validated(at: minute(11), now: minute(10)) }
        // Declaring after the fact is normal.
        #expect(throws: Never.self) { try d.validated(at: minute(-30), now: minute(10)) }
    }

    @Test func customTolerance() {
        var policy = Policy.standard
        policy.futureTolerance = .zero
        #expect(throws: RuleError.inFuture(by: 1)) {
            try Declaration(title: "t", severity: .l2).validated(at: second(1), now: base, policy: policy)
        }
    }
}
