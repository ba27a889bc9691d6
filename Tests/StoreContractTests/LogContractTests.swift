import Foundation
import IncidentCore
import StoreKit
import Testing
import WarroomTestSupport

/// The event log's behaviour, the same on every backend. Event ids are compared relatively: a team store's ids are
/// unique within the workspace and increase per incident, but need not start at 1 or have no gaps.
@Suite("Store contract: the event log")
struct LogContractTests {
    @Test("every payload kind survives a round trip, and a reopen", arguments: Backend.tested)
    func roundTrip(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let store = fixture.store
        let declared = try await store.declare(declaration())
        let id = declared.incident
        let payloads: [EventPayload] = [
            .note("alert fired: 5xx at 30% — «quoted» \"text\"\nsecond line 🚨 备份"),
            .decision("fail over to the standby"),
            .actionItem("add an alert on replica lag"),
            .stateChanged(from: .declared, to: .investigating, reason: nil, override: nil),
            .stateChanged(from: .investigating, to: .identified, reason: "bad config push", override: "IC says so"),
            .severityChanged(from: .l2, to: .l1, reason: "data at risk"),
            .roleAssigned(role: "comms", holder: "bob"),
            .correction(of: declared.id, text: "alert fired at 14:07"),
            .statusUpdateSent(message: "investigating; next update 14:30"),
            .delivery(.failed(update: 10, channel: "ops-war-room", attempt: 1, problem: "webhook 503", retryIn: 5)),
            .runbook(.attached(Runbook(id: "r", title: "R", severities: [.l1], phases: [
                Runbook.Phase(title: "P", line: 5, steps: [Runbook.Step(id: "s", number: 1, text: "S", timeboxSeconds: 60, line: 6)]),
            ]), trigger: .manual)),
            .runbook(.step(StepEvent(runbook: "r", step: "s", number: 1, text: "S", action: .done))),
            .postmortem(.generated(path: "postmortems/INC-1.md", throughEvent: declared.id, digest: "0123456789abcdef")),
            .paging(.paged(PageOrder(contact: "sam", name: "Sam Lee", role: "dba", tier: .primary, via: .phone,
                                     address: "+46 8 555", ackTimeout: 300))),
            .paging(.acknowledged(PageAck(contact: "sam", name: "Sam Lee", role: "dba", page: declared.id, after: 95))),
            .drill(.injected(DrillInjection(index: 1, inject: .init(offsetSeconds: 600, kind: .unanswered, text: "dba on-call", line: 9),
                                            silentContact: "sam", silentName: "Sam Lee"))),
            .drill(.ended(.ended)),
            .handoff(.offered(role: "ic", to: "bob", from: "alice")),
        ]
        var appended = [declared]
        for (offset, payload) in payloads.enumerated() {
            let at = base.addingTimeInterval(Double(offset + 1))
            // Backdated by an hour, so both times are kept apart.
            let events = try await store.append(to: id) { _ in
                [draft(payload, at: at.addingTimeInterval(-3600), recorded: at, by: "scribe")]
            }
            #expect(events.count == 1)
            #expect(events.first?.payload == payload)
            #expect(events.first?.isBackdated == true)
            appended += events
        }
        // Every kind the store knows, so a new kind cannot slip past this test.
        #expect(Set(appended.map(\.payload.kind)) == Set(EventKind.allCases))
        #expect(appended.map(\.id) == appended.map(\.id).sorted())
        #expect(try await store.events(of: id) == appended)
        #expect(try await follow(store, pageSize: 100, until: appended.count).events == appended)

        let reopened = try await fixture.open()
        #expect(try await reopened.events(of: id) == appended)
        let state = try #require(try await reopened.incidents().first)
        #expect(state == IncidentState.fold(appended))
        #expect(state.severity == .l1)
        #expect(state.lifecycle == .identified)
        #expect(state.holder(of: "comms") == "bob")
        #expect(state.impact == "EU users")
        await reopened.close()
    }

    @Test("a drill declaration keeps its flag and impact", arguments: Backend.tested)
    func drillDeclarationRoundTrip(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let plain = try await fixture.store.declare(draft(.declared(Declaration(title: "no impact", severity: .l4))))
        let drill = try await fixture.store.declare(declaration("game day", .l1, drill: true))
        let reopened = try await fixture.open()
        #expect(try await follow(reopened, pageSize: 10, until: 2).events == [plain, drill])
        await reopened.close()
    }

    @Test("times are kept to the millisecond, and the returned events say so", arguments: Backend.tested)
    func millisecondTimes(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let fine = Date(timeIntervalSince1970: 1_700_000_000.123_456)
        let declared = try await fixture.store.declare(EventDraft(
            occurredAt: fine, recordedAt: fine, actor: "a", payload: .declared(Declaration(title: "t", severity: .l3))))
        #expect(declared.occurredAt.timeIntervalSince1970 == 1_700_000_000.123)
        #expect(try await fixture.store.events(of: declared.incident) == [declared])
    }

    @Test("incident ids are allocated INC-1, INC-2, with drills counted apart", arguments: Backend.tested)
    func idAllocation(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let store = fixture.store
        #expect(try await store.incidents().isEmpty)
        #expect(try await store.lastEventID() == 0)
        #expect(try await store.declare(declaration("one")).incident == "INC-1")
        #expect(try await store.declare(declaration("two")).incident == "INC-2")
        #expect(try await store.declare(declaration("drill", drill: true)).incident == "DRILL-1")
        #expect(try await store.declare(declaration("three")).incident == "INC-3")
        #expect(try await store.declare(declaration("drill 2", drill: true)).incident == "DRILL-2")
        let reopened = try await fixture.open()
        #expect(try await reopened.incidents().map(\.id) == ["INC-1", "INC-2", "DRILL-1", "INC-3", "DRILL-2"])
        #expect(try await reopened.incidents().map(\.isDrill) == [false, false, true, false, true])
        let four = try await reopened.declare(declaration("four"))
        #expect(four.incident == "INC-4")
        #expect(try await reopened.lastEventID() == four.id)
        await reopened.close()
    }

    @Test("declare refuses anything but a declaration", arguments: Backend.tested)
    func declareNeedsDeclaration(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        await #expect(throws: StoreError.notADeclaration) { try await fixture.store.declare(draft(.note("hello"))) }
        #expect(try await fixture.store.lastEventID() == 0)
        #expect(try await fixture.store.incidents().isEmpty)
    }

    @Test("unknown incidents are reported as such", arguments: Backend.tested)
    func unknownIncident(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        _ = try await fixture.store.declare(declaration())
        await #expect(throws: StoreError.unknownIncident("INC-9")) { try await fixture.store.events(of: "INC-9") }
        await #expect(throws: StoreError.unknownIncident("INC-9")) {
            try await fixture.store.append(to: "INC-9") { _ in [draft(.note("x"))] }
        }
    }

    @Test("a refused command writes nothing and its error comes through unchanged", arguments: Backend.tested)
    func refusedAppendWritesNothing(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let store = fixture.store
        let id = try await store.declare(declaration()).incident
        _ = try await store.append(to: id, command(.note("first"), at: base))
        let before = try await store.events(of: id)

        await #expect(throws: RuleError.illegalTransition(id, from: .declared, to: .resolved, legal: [.investigating])) {
            try await store.append(to: id, command(.changeState(to: .resolved, reason: nil, override: nil), at: base))
        }
        await #expect(throws: RuleError.emptyText(what: "the note")) { try await store.append(to: id, command(.note("  "), at: base)) }
        // The first draft would be fine; the failure afterwards must take it back too.
        struct Late: Error, Equatable {}
        await #expect(throws: Late()) {
            try await store.append(to: id) { state in
                _ = try state.decide(.note("fine"), at: base, now: base)
                throw Late()
            }
        }
        #expect(try await store.append(to: id) { _ in [] }.isEmpty)
        #expect(try await store.events(of: id) == before)
        let reopened = try await fixture.open()
        #expect(try await reopened.events(of: id) == before)
        await reopened.close()
        // The cache was not advanced by the refused attempts either.
        let next = try await store.append(to: id, command(.note("second"), at: base))
        #expect(try #require(next.first).id > before.last!.id)
        #expect(try await store.incidents().first?.eventCount == 3)
    }

    @Test("a reopened store sees everything, and its fold matches", arguments: Backend.tested)
    func reopen(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        var ids: [IncidentID] = []
        var last: EventID = 0
        do {
            let store = try await fixture.open()
            for n in 1...3 { ids.append(try await store.declare(declaration("incident \(n)")).incident) }
            var t = base
            for step in [IncidentCommand.changeState(to: .investigating, reason: nil, override: nil),
                         .note("looking"), .changeSeverity(to: .l1, reason: "worse"),
                         .changeState(to: .identified, reason: "found it", override: nil)] {
                t += 60
                for id in ids { last = try await store.append(to: id, command(step, at: t)).last!.id }
            }
            await store.close()
        }
        let store = try await fixture.open()
        let states = try await store.incidents()
        #expect(states.map(\.id) == ids)
        for state in states {
            #expect(state.lifecycle == .identified)
            #expect(state.severity == .l1)
            #expect(state.eventCount == 5)
            #expect(state == IncidentState.fold(try await store.events(of: state.id)))
        }
        #expect(try await store.lastEventID() == last)
        await store.close()
    }

    @Test("events(after:limit:) pages through the whole log, each event once and each incident in order",
          arguments: Backend.tested)
    func paging(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let store = fixture.store
        let a = try await store.declare(declaration("a"))
        let b = try await store.declare(declaration("b"))
        var appended = [a, b]
        for n in 0..<10 {
            appended += try await store.append(to: n.isMultiple(of: 2) ? a.incident : b.incident, command(.note("n\(n)"), at: base))
        }
        let (seen, cursor) = try await follow(store, pageSize: 3, until: 12)
        #expect(seen.map(\.id) == appended.map(\.id))
        #expect(Set(seen.map(\.id)).count == 12)
        let empty = try await store.events(after: .start, limit: 0)
        #expect(empty.events.isEmpty)
        #expect(try await store.lastEventID() == appended.last!.id)
        // Nothing new: following on from the end returns nothing more, then exactly what is appended next.
        #expect(try await store.events(after: cursor, limit: 100).events.isEmpty)
        let more = try await store.append(to: a.incident, command(.note("later"), at: base))
        let next = try await follow(store, from: cursor, pageSize: 100, until: 1)
        #expect(next.events == more)
        #expect(try await store.events(after: next.cursor, limit: 100).events.isEmpty)
    }

    @Test("two instances see each other's appends before deciding", arguments: Backend.tested)
    func twoInstances(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let a = try await fixture.open()
        let b = try await fixture.open()
        let id = try await a.declare(declaration()).incident
        // Both have the incident cached before the other writes.
        _ = try await a.append(to: id, command(.note("a was here"), at: base))
        _ = try await b.append(to: id, command(.note("b was here"), at: base))

        let steps: [LifecycleState] = [.investigating, .identified, .mitigating, .monitoring]
        var t = base
        for (n, next) in steps.enumerated() {
            t += 60
            let (writer, other) = n.isMultiple(of: 2) ? (a, b) : (b, a)
            _ = try await writer.append(to: id) { state in
                // The other instance's step is in the state this one decides on.
                #expect(state.lifecycle.legalNext.contains(next))
                return try command(.changeState(to: next, reason: nil, override: nil), at: t)(state)
            }
            #expect(try await other.lastEventID() == writer.lastEventID())
        }
        let fresh = try await fixture.open()
        let folded = try #require(IncidentState.fold(try await fresh.events(of: id)))
        #expect(folded.lifecycle == .monitoring)
        #expect(folded.eventCount == 7)
        #expect(try await a.incidents() == [folded])
        #expect(try await b.incidents() == [folded])
        // A stale cache would refuse this (or decide on the wrong state).
        _ = try await b.append(to: id, command(.changeState(to: .mitigating, reason: "fix did not hold", override: nil), at: t + 60))
        _ = try await a.append(to: id, command(.changeState(to: .monitoring, reason: nil, override: nil), at: t + 120))
        #expect(try await fresh.incidents().first?.lifecycleHistory.count == 7)
        for store in [a, b, fresh] { await store.close() }
    }

    @Test("tasks appending through one instance all land, and the cache stays right", arguments: Backend.tested)
    func tasksOnOneInstance(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let store = fixture.store
        let id = try await store.declare(declaration()).incident
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<24 {
                group.addTask { _ = try await store.append(to: id, command(.note("task \(n)"), at: base)) }
            }
            try await group.waitForAll()
        }
        let events = try await store.events(of: id)
        #expect(events.count == 25)
        #expect(Set(events.map(\.id)).count == 25)
        _ = try await store.append(to: id) { state in
            #expect(state.eventCount == 25)
            #expect(state == IncidentState.fold(events))
            return []
        }
    }

    @Test("concurrent declares from several instances take every number once, none skipped", arguments: Backend.tested)
    func concurrentDeclares(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let writers = try await withThrowingTaskGroup(of: (any WarroomStore).self) { group in
            for _ in 0..<4 { group.addTask { try await fixture.open() } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let ids = try await withThrowingTaskGroup(of: [IncidentID].self) { group in
            for writer in writers {
                group.addTask {
                    var ids: [IncidentID] = []
                    for n in 0..<10 { ids.append(try await writer.declare(declaration("race \(n)")).incident) }
                    return ids
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(Set(ids) == Set((1...40).map { "INC-\($0)" }))
        for writer in writers { await writer.close() }
    }

    @Test("an entry with a client id lands once, however often it is replayed", arguments: Backend.tested)
    func clientIDsLandOnce(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let id = try await fixture.declare()
        let first = try await fixture.store.append(to: id, clientID: "c-1", command(.note("typed offline"), at: base))
        #expect(first.count == 1)
        let again = try await fixture.open()
        #expect(try await again.append(to: id, clientID: "c-1", command(.note("typed offline"), at: base)).isEmpty)
        #expect(try await fixture.store.events(of: id).filter { $0.payload == .note("typed offline") }.count == 1)
        await again.close()
    }

    @Test("a declaration's follow-ups are stored with it and see its state", arguments: Backend.tested)
    func followUpsAreStoredWithTheDeclaration(_ backend: Backend) async throws {
        let plan = Runbook(id: "major", title: "Major incident", severities: [.l1, .l2], phases: [
            Runbook.Phase(title: "Command", line: 5, steps: [Runbook.Step(id: "take", number: 1, text: "Take command", line: 6)]),
        ])
        let fixture = try await StoreFixture(backend)
        nonisolated(unsafe) var seen: IncidentState?
        let events = try await fixture.store.declare(declaration("storage offline", .l1)) { state in
            seen = state
            return state.attachDrafts(from: [plan], at: base, recordedAt: base, actor: "alice")
        }
        #expect(seen?.id == "INC-1" && seen?.severity == .l1)
        #expect(events.map(\.payload.kind) == [.declared, .runbook])
        #expect(events.allSatisfy { $0.incident == "INC-1" })
        let reopened = try await fixture.open()
        #expect(try await reopened.events(of: "INC-1") == events)
        #expect(try await reopened.incidents().first?.runbooks.runbook("major")?.runbook == plan)
        await reopened.close()
    }

    @Test("a follow-up that throws leaves no incident, and its number is not used up", arguments: Backend.tested)
    func aFollowUpThatThrowsLeavesNoIncident(_ backend: Backend) async throws {
        struct Refused: Error {}
        let fixture = try await StoreFixture(backend)
        await #expect(throws: Refused.self) { try await fixture.store.declare(declaration()) { _ in throw Refused() } }
        #expect(try await fixture.store.incidents().isEmpty)
        #expect(try await fixture.store.lastEventID() == 0)
        #expect(try await fixture.store.declare(declaration()).incident == "INC-1")
    }

    @Test("describe says which store this is", arguments: Backend.tested)
    func describe(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let description = try await fixture.store.describe()
        #expect(description.kind == (backend == .sqlite ? "SQLite" : "PostgreSQL"))
        #expect(!description.serverVersion.isEmpty)
        #expect(description.schemaVersion >= 1)
        #expect(description.roundTrip < .seconds(5))
    }
}
