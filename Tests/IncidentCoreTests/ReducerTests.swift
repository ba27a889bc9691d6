import Foundation
import IncidentCore
import Testing

/// Every field of an incident in a form a test can build by hand (the period types have no public initialiser),
/// so "apply changes exactly this" is one comparison rather than a list of spot checks that would miss a stray write.
struct Snapshot: Equatable {
    struct Stamp<Value: Equatable>: Equatable {
        var value: Value
        var since: Date
    }

    var id: IncidentID
    var title: String
    var impact: String?
    var isDrill: Bool
    var declaredAt: Date
    var declaredBy: String
    var severity: Severity
    var lifecycle: LifecycleState
    var severityHistory: [Stamp<Severity>]
    var lifecycleHistory: [Stamp<LifecycleState>]
    var roles: [String: String]
    var lastStatusUpdateAt: Date?
    var lastSeverityChangeAt: Date?
    var lastChangeAt: Date
    var firstSignalAt: Date
    var corrections: [EventID: [EventID]]
    var eventIDs: Set<EventID>
    var lastEventID: EventID
    var eventCount: Int

    init(_ s: IncidentState) {
        id = s.id
        title = s.title
        impact = s.impact
        isDrill = s.isDrill
        declaredAt = s.declaredAt
        declaredBy = s.declaredBy
        severity = s.severity
        lifecycle = s.lifecycle
        severityHistory = s.severityHistory.map { Stamp(value: $0.severity, since: $0.since) }
        lifecycleHistory = s.lifecycleHistory.map { Stamp(value: $0.state, since: $0.since) }
        roles = s.roles
        lastStatusUpdateAt = s.lastStatusUpdateAt
        lastSeverityChangeAt = s.lastSeverityChangeAt
        lastChangeAt = s.lastChangeAt
        firstSignalAt = s.firstSignalAt
        corrections = s.corrections
        eventIDs = s.eventIDs
        lastEventID = s.lastEventID
        eventCount = s.eventCount
    }

    /// What every applied event does, whatever its kind.
    mutating func counted(_ event: Event) {
        eventIDs.insert(event.id)
        lastEventID = max(lastEventID, event.id)
        eventCount += 1
    }
}

@Suite("Reducer: declaration")
struct DeclarationReducerTests {
    @Test func declarationStartsTheIncident() throws {
        let event = declaration("INC-7", severity: .l1, at: minute(0), by: "alice", title: "Storage tier offline",
                                impact: "documents unavailable", drill: true, id: 42)
        let state = try #require(IncidentState(declaration: event))

        #expect(state.id == "INC-7")
        #expect(state.title == "Storage tier offline")
        #expect(state.impact == "documents unavailable")
        #expect(state.isDrill)
        #expect(state.declaredAt == base)
        #expect(state.declaredBy == "alice")
        #expect(state.severity == .l1)
        #expect(state.lifecycle == .declared)
        #expect(state.severityHistory.map(\.severity) == [.l1])
        #expect(state.severityHistory.map(\.since) == [base])
        #expect(state.lifecycleHistory.map(\.state) == [.declared])
        #expect(state.lifecycleHistory.map(\.since) == [base])
        #expect(state.roles == [Role.commander: "alice"])
        #expect(state.lastStatusUpdateAt == nil)
        // The declaration is not a severity *change*: only later changes make an update due at once.
        #expect(state.lastSeverityChangeAt == nil)
        #expect(state.lastChangeAt == base)
        #expect(state.firstSignalAt == base)
        #expect(state.corrections.isEmpty)
        #expect(state.eventIDs == [42])
        #expect(state.lastEventID == 42)
        #expect(state.eventCount == 1)
        #expect(state.enteredAt(.declared) == base)
        #expect(state.enteredAt(.investigating) == nil)
    }

    @Test func declarationWithoutImpactOrDrillFlag() throws {
        let state = try #require(IncidentState(declaration: declaration(impact: nil, drill: false)))
        #expect(state.impact == nil)
        #expect(!state.isDrill)
    }

    static let notDeclarations: [EventPayload] = [
        .note("n"), .decision("d"), .actionItem("a"),
        .stateChanged(from: .declared, to: .investigating, reason: nil, override: nil),
        .severityChanged(from: .l2, to: .l1, reason: "r"), .roleAssigned(role: "scribe", holder: "bob"),
        .correction(of: 1, text: "c"), .statusUpdateSent(message: "m"),
    ]

    @Test(arguments: notDeclarations)
    func onlyADeclarationStartsAnIncident(payload: EventPayload) {
        let event = Event(id: 1, incident: "INC-1", occurredAt: base, recordedAt: base, actor: "alice", payload: payload)
        #expect(IncidentState(declaration: event) == nil)
        #expect(IncidentState.fold([event, declaration(id: 2)]) == nil)
    }

    @Test func foldOfNothingIsNil() {
        #expect(IncidentState.fold([Event]()) == nil)
    }

    @Test func foldOfTheDeclarationAloneIsTheDeclaredIncident() throws {
        let event = declaration()
        #expect(IncidentState.fold([event]) == IncidentState(declaration: event))
    }

    @Test func foldEqualsApplyingEachEventInTurn() throws {
        let events: [Event] = [
            declaration(severity: .l1, at: minute(8), id: 1),
            Event(id: 2, incident: "INC-1", occurredAt: minute(0), recordedAt: minute(9), actor: "scribe",
                  payload: .note("alert fired")),
            Event(id: 3, incident: "INC-1", occurredAt: minute(10), recordedAt: minute(10), actor: "alice",
                  payload: .stateChanged(from: .declared, to: .investigating, reason: nil, override: nil)),
            Event(id: 4, incident: "INC-1", occurredAt: minute(12), recordedAt: minute(12), actor: "alice",
                  payload: .statusUpdateSent(message: "investigating")),
            Event(id: 5, incident: "INC-1", occurredAt: minute(13), recordedAt: minute(13), actor: "alice",
                  payload: .correction(of: 2, text: "alert fired at 14:00")),
        ]
        var byHand = try #require(IncidentState(declaration: events[0]))
        for event in events.dropFirst() { byHand.apply(event) }

        let folded = try #require(IncidentState.fold(events))
        #expect(folded == byHand)
        #expect(folded.eventCount == 5)
        #expect(folded.lastEventID == 5)
        #expect(folded.eventIDs == [1, 2, 3, 4, 5])
        #expect(folded.firstSignalAt == minute(0))
        #expect(folded.declaredAt == minute(8))
        #expect(folded.lifecycle == .investigating)
        #expect(folded.lastStatusUpdateAt == minute(12))
        #expect(folded.corrections == [2: [5]])
    }

    /// The storage outage from the product spec, entered the way a scribe would: the alert is backdated.
    @Test func foldOfAFullIncident() throws {
        var state = declared(severity: .l1, at: minute(15), by: "ic-anna")
        try state.record(.note("alert fired: storage tier unreachable"), at: minute(7), now: minute(16), by: "sam")
        try state.handOff("scribe", to: "sam", at: minute(16), by: "ic-anna")
        try state.record(change(to: .investigating), at: minute(17), by: "ic-anna")
        try state.record(.recordStatusUpdate(message: "investigating storage outage"), at: minute(20), by: "ic-anna")
        try state.record(change(to: .identified, reason: "ops tool took storage servers offline"), at: minute(60))
        try state.record(.decision("restore from backup"), at: minute(60))
        try state.record(change(to: .mitigating), at: minute(70))
        try state.record(change(to: .monitoring), at: minute(7 * 60))
        try state.record(.changeSeverity(to: .l3, reason: "restored; integrity check running"), at: minute(7 * 60 + 1))
        try state.record(.recordStatusUpdate(message: "restored"), at: minute(7 * 60 + 2))
        try state.record(change(to: .resolved), at: minute(8 * 60))

        #expect(state.lifecycle == .resolved)
        #expect(state.severity == .l3)
        #expect(state.severityHistory.map(\.severity) == [.l1, .l3])
        #expect(state.lifecycleHistory.map(\.state)
            == [.declared, .investigating, .identified, .mitigating, .monitoring, .resolved])
        #expect(state.firstSignalAt == minute(7))
        #expect(state.declaredAt == minute(15))
        #expect(state.commander == "ic-anna")
        #expect(state.holder(of: Role.scribe) == "sam")
        #expect(state.lastStatusUpdateAt == minute(7 * 60 + 2))
        #expect(state.lastSeverityChangeAt == minute(7 * 60 + 1))
        #expect(state.lastChangeAt == minute(8 * 60))
        #expect(state.eventCount == 13)
        #expect(state.lastEventID == 13)
    }
}

@Suite("Reducer: apply")
struct ApplyTests {
    /// An incident with some history, so that each apply below has earlier values it could wrongly overwrite.
    func busyIncident() throws -> IncidentState {
        var state = declared(severity: .l2)
        try state.record(change(to: .investigating), at: minute(2))
        try state.record(.recordStatusUpdate(message: "looking"), at: minute(3))
        try state.record(.changeSeverity(to: .l1, reason: "spreading"), at: minute(4))
        try state.record(.note("first note"), at: minute(5))
        try state.handOff("comms", to: "carol", at: minute(6))
        return state
    }

    func event(_ payload: EventPayload, at date: Date, id: EventID) -> Event {
        Event(id: id, incident: "INC-1", occurredAt: date, recordedAt: minute(20), actor: "bob", payload: payload)
    }

    @Test(arguments: [EventPayload.note("n"), .decision("d"), .actionItem("a")])
    func textEntriesOnlyCount(payload: EventPayload) throws {
        var state = try busyIncident()
        var expected = Snapshot(state)
        let e = event(payload, at: minute(10), id: 7)
        state.apply(e)
        expected.counted(e)
        #expect(Snapshot(state) == expected)
    }

    @Test func backdatedNoteMovesTheFirstSignalAndNothingElse() throws {
        var state = try busyIncident()
        var expected = Snapshot(state)
        let e = event(.note("alert fired"), at: minute(-7), id: 7)
        state.apply(e)
        expected.counted(e)
        expected.firstSignalAt = minute(-7)
        #expect(Snapshot(state) == expected)
        #expect(state.declaredAt == base)
    }

    @Test func laterBackdatedEntryKeepsTheEarliestSignal() throws {
        var state = try busyIncident()
        state.apply(event(.note("alert fired"), at: minute(-7), id: 7))
        state.apply(event(.note("dashboards red"), at: minute(-3), id: 8))
        #expect(state.firstSignalAt == minute(-7))
    }

    @Test func stateChangeEntersTheState() throws {
        var state = try busyIncident()
        var expected = Snapshot(state)
        let e = event(.stateChanged(from: .investigating, to: .identified, reason: "bad deploy", override: nil),
                      at: minute(10), id: 7)
        state.apply(e)
        expected.counted(e)
        expected.lifecycle = .identified
        expected.lifecycleHistory.append(.init(value: .identified, since: minute(10)))
        expected.lastChangeAt = minute(10)
        #expect(Snapshot(state) == expected)
        #expect(state.enteredAt(.identified) == minute(10))
    }

    @Test func severityChangeRecordsTheNewLevel() throws {
        var state = try busyIncident()
        var expected = Snapshot(state)
        let e = event(.severityChanged(from: .l1, to: .l3, reason: "contained"), at: minute(10), id: 7)
        state.apply(e)
        expected.counted(e)
        expected.severity = .l3
        expected.severityHistory.append(.init(value: .l3, since: minute(10)))
        expected.lastSeverityChangeAt = minute(10)
        expected.lastChangeAt = minute(10)
        #expect(Snapshot(state) == expected)
        #expect(state.severityHistory.map(\.severity) == [.l2, .l1, .l3])
    }

    @Test func roleAssignmentHandsOutOneRole() throws {
        var state = try busyIncident()
        var expected = Snapshot(state)
        let e = event(.roleAssigned(role: "scribe", holder: "dave"), at: minute(10), id: 7)
        state.apply(e)
        expected.counted(e)
        expected.roles["scribe"] = "dave"
        #expect(Snapshot(state) == expected)
    }

    @Test func correctionsAreListedPerEntryInLogOrder() throws {
        var state = try busyIncident()
        var expected = Snapshot(state)
        let first = event(.correction(of: 5, text: "fix one"), at: minute(10), id: 7)
        let other = event(.correction(of: 2, text: "other entry"), at: minute(11), id: 8)
        let second = event(.correction(of: 5, text: "fix two"), at: minute(12), id: 9)
        for e in [first, other, second] {
            state.apply(e)
            expected.counted(e)
        }
        expected.corrections = [5: [7, 9], 2: [8]]
        #expect(Snapshot(state) == expected)
    }

    @Test func statusUpdateSetsTheLastUpdate() throws {
        var state = try busyIncident()
        var expected = Snapshot(state)
        let e = event(.statusUpdateSent(message: "update"), at: minute(10), id: 7)
        state.apply(e)
        expected.counted(e)
        expected.lastStatusUpdateAt = minute(10)
        #expect(Snapshot(state) == expected)
    }

    @Test func backdatedStatusUpdateDoesNotMoveTheLastUpdateBack() throws {
        var state = try busyIncident()
        state.apply(event(.statusUpdateSent(message: "update"), at: minute(10), id: 7))
        state.apply(event(.statusUpdateSent(message: "sent earlier, logged late"), at: minute(8), id: 8))
        #expect(state.lastStatusUpdateAt == minute(10))
    }

    @Test func firstStatusUpdateIsTakenEvenWhenBackdated() throws {
        var state = declared()
        state.apply(event(.statusUpdateSent(message: "sent before anyone logged it"), at: minute(-1), id: 2))
        #expect(state.lastStatusUpdateAt == minute(-1))
        #expect(state.firstSignalAt == minute(-1))
    }

    @Test func aSecondDeclarationOnlyCounts() throws {
        var state = try busyIncident()
        var expected = Snapshot(state)
        let e = event(.declared(Declaration(title: "other", severity: .l4)), at: minute(10), id: 7)
        state.apply(e)
        expected.counted(e)
        #expect(Snapshot(state) == expected)
    }

    @Test func lastEventIDNeverGoesBack() throws {
        var state = declared()
        state.apply(event(.note("late id"), at: minute(1), id: 10))
        state.apply(event(.note("early id"), at: minute(2), id: 4))
        #expect(state.lastEventID == 10)
        #expect(state.eventIDs == [1, 10, 4])
        #expect(state.eventCount == 3)
    }

    @Test func lastChangeAtNeverGoesBack() throws {
        var state = declared()
        state.apply(event(.stateChanged(from: .declared, to: .investigating, reason: nil, override: nil),
                          at: minute(10), id: 2))
        state.apply(event(.severityChanged(from: .l2, to: .l1, reason: "r"), at: minute(5), id: 3))
        #expect(state.lastChangeAt == minute(10))
    }

    @Test func enteredAtIsTheLatestEntry() throws {
        var state = try incident(in: .monitoring)
        try state.record(change(to: .mitigating, reason: "fix did not hold"), at: minute(10))
        try state.record(change(to: .monitoring), at: minute(20))
        #expect(state.enteredAt(.monitoring) == minute(20))
        #expect(state.enteredAt(.mitigating) == minute(10))
        #expect(state.enteredAt(.resolved) == nil)
        #expect(state.lifecycleHistory.map(\.state)
            == [.declared, .investigating, .identified, .mitigating, .monitoring, .mitigating, .monitoring])
    }
}

@Suite("Roles")
struct RoleTests {
    @Test func theDeclarerHoldsEveryRole() {
        let state = declared(by: "alice")
        #expect(state.commander == "alice")
        for role in Role.standard + ["dba", "network-expert"] {
            #expect(state.holder(of: role) == "alice", "role \(role)")
        }
    }

    @Test func handedOutRolesGoToTheirHolders() throws {
        var state = declared(by: "alice")
        try state.handOff("comms", to: "bob", at: minute(1))
        #expect(state.holder(of: Role.communications) == "bob")
        #expect(state.holder(of: Role.scribe) == "alice")
        #expect(state.commander == "alice")
    }

    /// The commander, whoever it is now, holds every role nobody else was given.
    @Test func aNewCommanderTakesOverTheUnassignedRoles() throws {
        var state = declared(by: "alice")
        try state.handOff("comms", to: "bob", at: minute(1))
        try state.handOff("incident commander", to: "carol", at: minute(2))
        #expect(state.commander == "carol")
        #expect(state.holder(of: Role.scribe) == "carol")
        #expect(state.holder(of: Role.deputy) == "carol")
        #expect(state.holder(of: Role.communications) == "bob")
        #expect(state.declaredBy == "alice")
    }

    @Test func reassigningARoleReplacesItsHolder() throws {
        var state = declared(by: "alice")
        try state.handOff("scribe", to: "bob", at: minute(1))
        try state.handOff("scribe", to: "dave", at: minute(2))
        #expect(state.holder(of: Role.scribe) == "dave")
        #expect(state.roles == [Role.commander: "alice", Role.scribe: "dave"])
    }

    @Test(arguments: [
        ("IC", "ic"), ("commander", "ic"), ("Incident-Commander", "ic"), ("incident_commander", "ic"),
        ("deputy", "deputy"), ("Deputy-IC", "deputy"), ("SCRIBE", "scribe"), ("comms", "comms"),
        ("Communications", "comms"), ("comms-lead", "comms"), ("communications-lead", "comms"),
        ("  scribe  ", "scribe"), ("DBA", "dba"), ("network-expert", "network-expert"),
        // The way the timeline writes them, typed back in.
        ("incident commander", "ic"), ("Communications Lead", "comms"), ("comms lead", "comms"), ("deputy ic", "deputy"),
    ])
    func canonicalSpellings(text: String, key: String) {
        #expect(Role.canonical(text) == key)
    }

    @Test func displayNames() {
        #expect(Role.displayName("ic") == "incident commander")
        #expect(Role.displayName("deputy") == "deputy")
        #expect(Role.displayName("scribe") == "scribe")
        #expect(Role.displayName("comms") == "communications lead")
        #expect(Role.displayName("dba") == "dba")
        #expect(Role.standard == ["ic", "deputy", "scribe", "comms"])
    }

    /// Someone who reads "bob is communications lead" and types that role back must reach the same role.
    @Test(arguments: Role.standard)
    func displayNamesReadBack(role: String) {
        #expect(Role.canonical(Role.displayName(role)) == role)
    }
}
