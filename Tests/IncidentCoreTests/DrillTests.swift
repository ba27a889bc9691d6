import Foundation
import IncidentCore
import Testing

// Drills in the core: recording the scenario, firing injects on schedule and in order, contacts that never answer,
// the end, the stored form, and the score card's figures.

/// Four injects: an alert at T+0, a contact who never answers at T+5m, severity pressure at T+10m, a note at T+20m.
let drillScenario = DrillScenario(
    id: "storage-drill", title: "Storage offline", runbooks: ["restore"], severity: .l2, tags: ["storage"],
    injects: [
        .init(offsetSeconds: 0, kind: .alert, text: "14 storage nodes offline", line: 6),
        .init(offsetSeconds: 300, kind: .unanswered, text: "storage", line: 7),
        .init(offsetSeconds: 600, kind: .severity, text: "support says every customer is affected", severity: .l1, line: 8),
        .init(offsetSeconds: 1200, kind: .note, text: "restore failing at 40%", line: 9),
    ])

/// The storage plan with a milestone on its last step: restore started within 20 minutes.
let drillPlan: Runbook = {
    var plan = storagePlan
    plan.targets = [Runbook.Target(milestone: "restore-started", minutes: 20, line: 4)]
    plan.phases[1].steps[0].milestone = "restore-started"
    return plan
}()

/// A drill incident with its scenario recorded at `base` and the plan attached.
func startedDrill(speed: Double = 600) throws -> IncidentState {
    var state = IncidentState(declaration: declaration("DRILL-1", drill: true))!
    try state.record(.drill(.start(drillScenario, speed: speed)), at: base)
    state.force(.runbook(.attached(drillPlan, trigger: .drill(drillScenario.id))), at: base)
    return state
}

/// Sam answers for the storage role first, the storage team's on-call line second.
let drillOrder = PageOrder(contact: "sam", name: "Sam Lee", role: "storage", tier: .primary, via: .phone, address: "+1 555 0101",
                           ackTimeout: 300)
let escalationOrder = PageOrder(contact: "storage-oncall", name: "Storage on-call", role: "storage", tier: .secondary, via: .phone,
                                address: "+1 555 0190", ackTimeout: 300)

extension IncidentState {
    /// Fires an inject the way the drill runner does: the inject, then the page it sends.
    mutating func fire(_ index: Int, page: PageOrder? = nil, now: Date? = nil) throws(RuleError) {
        let at = drill!.dueAt(index)
        for draft in try injectDrafts(index, page: page, at: at, now: now ?? at, actor: DrillScoreCard.actor) {
            apply(draft.event(id: lastEventID + 1, incident: id))
        }
    }
}

@Suite("Drills in the core")
struct DrillCoreTests {
    @Test("the scenario is recorded once, on a drill only, with a usable speed")
    func start() throws {
        var incident = declared()
        #expect(throws: RuleError.drill(.notADrill("INC-1"))) { try incident.record(.drill(.start(drillScenario, speed: 60)), at: base) }
        var drill = IncidentState(declaration: declaration("DRILL-1", drill: true))!
        #expect(throws: RuleError.drill(.badSpeed(0))) { try drill.record(.drill(.start(drillScenario, speed: 0)), at: base) }
        #expect(throws: RuleError.drill(.notStarted("DRILL-1"))) { try drill.record(.drill(.inject(0, page: nil)), at: base) }
        try drill.record(.drill(.start(drillScenario, speed: 60)), at: base)
        #expect(drill.drill?.speed == 60)
        #expect(drill.drill?.startedAt == base)
        #expect(throws: RuleError.drill(.alreadyStarted("DRILL-1", scenario: "storage-drill"))) {
            try drill.record(.drill(.start(drillScenario, speed: 60)), at: base)
        }
    }

    @Test("injects fall due at their offsets and fire once, in order")
    func schedule() throws {
        var drill = try startedDrill()
        #expect(drill.drill!.due(now: base) == [0])
        #expect(drill.drill!.due(now: minute(4.99)) == [0])
        #expect(drill.drill!.due(now: minute(10)) == [0, 1, 2])
        #expect(throws: RuleError.drill(.outOfOrder(1, waiting: 0))) { try drill.fire(1) }
        try drill.fire(0)
        #expect(throws: RuleError.drill(.alreadyInjected(0, at: base))) { try drill.fire(0) }
        #expect(drill.drill!.due(now: minute(10)) == [1, 2])
        #expect(drill.drill!.dueAt(3) == minute(20))
        #expect(throws: RuleError.drill(.unknownInject(7, scenario: "storage-drill", count: 4))) {
            try drill.record(.drill(.inject(7, page: nil)), at: base)
        }
    }

    @Test("an ended drill fires nothing more and cannot end twice")
    func end() throws {
        var drill = try startedDrill()
        try drill.fire(0)
        try drill.record(.drill(.end(.ended)), at: minute(7), by: "maria")
        #expect(drill.drill!.isOver)
        #expect(drill.drill!.endedAt == minute(7))
        #expect(drill.drill!.elapsed(now: minute(30)) == 7 * 60)
        #expect(drill.drill!.due(now: minute(30)).isEmpty)
        #expect(drill.drill!.nextIndex == nil)
        #expect(throws: RuleError.drill(.over("DRILL-1", .ended))) { try drill.fire(1) }
        #expect(throws: RuleError.drill(.over("DRILL-1", .ended))) { try drill.record(.drill(.end(.ended)), at: minute(8)) }
    }

    @Test("an ended drill is no longer under way: no update owed, its clock stopped, not chosen as the active incident")
    func endedIsNotUnderWay() throws {
        var drill = try startedDrill()
        #expect(drill.isUnderWay)
        #expect(drill.statusUpdateClock(now: minute(20)) != nil)
        try drill.record(.drill(.end(.ended)), at: minute(7))
        #expect(drill.lifecycle.isActive && !drill.isUnderWay)
        #expect(drill.statusUpdateClock(now: minute(20)) == nil)
        #expect(drill.elapsed(now: minute(60)) == 7 * 60)
        let incident = declared("INC-2", at: minute(1))
        #expect(try IncidentSelection.resolve(nil, among: [drill, incident]).id == "INC-2")
    }

    @Test("an unanswered inject pages its contact, whose acknowledgement is refused; the next tier's is not")
    func silentContact() throws {
        var drill = try startedDrill()
        try drill.fire(0)
        try drill.fire(1, page: drillOrder)
        #expect(drill.paging.pages.map(\.order.contact) == ["sam"])
        #expect(drill.drill!.fired.compactMap(\.injection.silentContact) == ["sam"])
        #expect(throws: RuleError.drill(.neverAnswers(name: "Sam Lee", offset: "T+5m"))) {
            try drill.record(.paging(.acknowledge("storage")), at: minute(6))
        }
        #expect(RuleError.drill(.neverAnswers(name: "Sam Lee", offset: "T+5m")).description
                == "Sam Lee never acknowledges in this drill (the scenario's T+5m inject): page the next tier instead")
        #expect(throws: RuleError.drill(.neverAnswers(name: "Sam Lee", offset: "T+5m"))) {
            try drill.record(.paging(.acknowledge("sam")), at: minute(6))
        }
        try drill.record(.paging(.page(escalationOrder)), at: minute(11))
        try drill.record(.paging(.acknowledge("storage")), at: minute(12))
        #expect(drill.paging.pages.last?.isAcknowledged == true)
    }

    @Test("drill entries survive the store's columns")
    func columns() throws {
        let payloads: [EventPayload] = [
            .drill(.started(drillScenario, speed: 1.5)),
            .drill(.injected(DrillInjection(index: 2, inject: drillScenario.injects[2]))),
            .drill(.injected(DrillInjection(index: 1, inject: drillScenario.injects[1], silentContact: "sam", silentName: "Sam Lee"))),
            .drill(.ended(.resolved)),
            .runbook(.attached(drillPlan, trigger: .drill("storage-drill"))),
        ]
        for payload in payloads {
            #expect(try EventPayload(columns: payload.columns) == payload)
        }
        #expect(EventPayload.drill(.ended(.ended)).kind == .drill)
        #expect(EventPayload.drill(.injected(DrillInjection(index: 0, inject: drillScenario.injects[0]))).kind == .inject)
        #expect(throws: EventDecodingError.self) { try EventPayload(columns: EventColumns(kind: "inject", value: "alert")) }
    }

    @Test("timeline lines say what happened and what to do")
    func summaries() {
        #expect(DrillEvent.started(drillScenario, speed: 600).summary
                == "drill started: scenario storage-drill, clock at 600×; 4 scripted events over 20m 00s")
        #expect(DrillEvent.injected(DrillInjection(index: 2, inject: drillScenario.injects[2])).summary
                == "T+10m severity: L1 support says every customer is affected")
        #expect(DrillEvent.injected(DrillInjection(index: 1, inject: drillScenario.injects[1], silentContact: "sam", silentName: "Sam Lee"))
            .summary.hasSuffix("Sam Lee is paged and will not acknowledge: escalate when the acknowledgement runs out"))
        #expect(DrillEvent.injected(DrillInjection(index: 1, inject: drillScenario.injects[1])).summary
            .hasSuffix("nobody by that name in the contacts, so no page went out"))
        #expect(DrillScenario.speedText(1.5) == "1.5×")
    }
}

/// Records a drill's entries the way the store does and keeps the log, for the score card.
struct DrillLog {
    var state: IncidentState
    var events: [Event]

    init() throws {
        let declared = declaration("DRILL-1", drill: true)
        state = IncidentState(declaration: declared)!
        events = [declared]
        try record(.drill(.start(drillScenario, speed: 600)), at: base)
        add(state.force(.runbook(.attached(drillPlan, trigger: .drill(drillScenario.id))), at: base))
    }

    mutating func add(_ event: Event) { events.append(event) }

    mutating func record(_ command: IncidentCommand, at date: Date, by actor: String = "maria") throws {
        add(try state.record(command, at: date, by: actor))
    }

    mutating func fire(_ index: Int, page: PageOrder? = nil) throws {
        let at = state.drill!.dueAt(index)
        for draft in try state.injectDrafts(index, page: page, at: at, now: at, actor: DrillScoreCard.actor) {
            let event = draft.event(id: state.lastEventID + 1, incident: state.id)
            state.apply(event)
            add(event)
        }
    }
}

@Suite("Drill score card")
struct DrillScoreCardTests {
    /// A run: injects answered, the silent page escalated after 6 minutes, an update late, the restore started at T+25m.
    func run() throws -> [Event] {
        var log = try DrillLog()
        try log.fire(0)
        try log.record(.assignRole(role: Role.scribe, holder: "dev"), at: minute(1))
        try log.record(.acceptRole(Role.scribe), at: minute(1), by: "dev")
        try log.record(.runbook(.check("restore:freeze")), at: minute(3))
        try log.fire(1, page: drillOrder)
        try log.record(.note("paged storage; waiting"), at: minute(6))
        try log.fire(2)
        try log.record(.paging(.page(escalationOrder)), at: minute(11))
        try log.record(.changeSeverity(to: .l1, reason: "every customer affected"), at: minute(12))
        try log.record(.paging(.acknowledge("storage")), at: minute(13))
        try log.record(.recordStatusUpdate(message: "first update"), at: minute(15))
        try log.fire(3)
        try log.record(.runbook(.skip("restore:stop-writes", reason: "writes already failing")), at: minute(21))
        try log.record(.runbook(.check("restore:start")), at: minute(25))
        try log.record(.drill(.end(.ended)), at: minute(30))
        return log.events
    }

    @Test("the card's figures come from the log")
    func figures() throws {
        let events = try run()
        let card = try #require(DrillScoreCard(events: events, asOf: minute(90)))
        #expect(card.incident == "DRILL-1")
        #expect(card.scenario == "storage-drill")
        #expect(card.speed == 600)
        #expect(card.ending == .ended)
        #expect(card.endedAt == minute(30))
        #expect(card.length == 30 * 60)
        #expect(card.worstSeverity == .l1)
        // Milestone: target T+20m, reached at T+25m.
        #expect(card.milestones.count == 1)
        #expect(card.milestones[0].reachedAfter == TimeInterval(25 * 60))
        #expect(card.milestones[0].isMet == false)
        #expect((card.stepsDone, card.stepsSkipped, card.stepsLeft) == (2, 1, 0))
        // Updates: the severity change at T+12m made one due at once; sent at T+15m, 3 minutes late. The next is
        // due at T+30m (L1 cadence 15m), the end: not yet missed.
        #expect(card.statusUpdates.lateCount == 1)
        #expect(card.statusUpdates.updates[0].lateBy == 3 * 60)
        #expect(card.statusUpdates.missed == nil)
        // The silent page at T+5m was escalated at T+11m: 6 minutes, within twice the 5-minute timeout.
        #expect(card.silentPages.count == 1)
        #expect(card.silentPages[0].name == "Sam Lee")
        #expect(card.silentPages[0].escalatedTo == "Storage on-call")
        #expect(card.silentPages[0].escalatedAfter == TimeInterval(6 * 60))
        #expect(card.silentPages[0].escalatedInTime)
        #expect(card.pages.map(\.timeToAcknowledge) == [nil, 2 * 60])
        // Responses: alert → role at T+1m; silent page → note at T+6m; pressure → the escalation at T+11m, answered by the severity change at T+12m;
        // the note at T+20m → the skip at T+21m.
        #expect(card.injects.map(\.respondedAfter) == [60, 60, 60, 60])
        #expect(card.injects[2].answerKind == .severity)
        #expect(card.injects[2].answeredAfter == 120)
        #expect(card.rolesHeldByCommander == [Role.deputy, Role.communications])
        #expect(card.practise == [
            "Reach restore-started (restore) sooner: target T+20m, reached at T+25m",
            "Keep the status-update cadence: 1 of 1 updates late (worst by 3m)",
            "Hand out roles early: the commander kept deputy, communications lead",
            "Keep to the timeboxes: 1 step ran over",
        ])
    }

    @Test("a drill still running gets a provisional card up to now, and says what was missed")
    func provisional() throws {
        var log = try DrillLog()
        try log.fire(0)
        try log.fire(1, page: drillOrder)
        let events = log.events
        let card = try #require(DrillScoreCard(events: events, asOf: minute(40)))
        #expect(card.ending == nil)
        #expect(card.endedAt == minute(40))
        #expect(card.length == 40 * 60)
        #expect(card.statusUpdates.missed?.dueAt == minute(15))
        #expect(card.silentPages[0].escalatedTo == nil)
        #expect(card.injects.allSatisfy { $0.response == nil })
        #expect(card.practise.count == DrillScoreCard.practiseLimit)
        #expect(card.practise[0] == "Reach restore-started (restore): target T+20m, not reached in the drill")
        #expect(card.practise[1].hasPrefix("Escalate when an acknowledgement runs out: Sam Lee was paged at T+5m"))
        #expect(card.practise[2] == "Keep the status-update cadence: one due at T+15m not sent yet")
        #expect(card.practise[3] == "React to new information: nothing was recorded after T+0m alert")
    }

    @Test("entries after the end do not count, and a note backdated before T+0 does not move the milestones")
    func coverage() throws {
        var log = try DrillLog()
        try log.record(.note("the alert had fired ten minutes earlier"), at: minute(5).addingTimeInterval(-15 * 60))
        try log.fire(0)
        try log.record(.runbook(.check("restore:start")), at: minute(18))
        try log.record(.drill(.end(.ended)), at: minute(19))
        let atEnd = try #require(DrillScoreCard(events: log.events, asOf: minute(19)))
        try log.record(.recordStatusUpdate(message: "sent after the drill"), at: minute(25))
        try log.record(.runbook(.check("restore:freeze")), at: minute(26))
        let later = try #require(DrillScoreCard(events: log.events, asOf: minute(60)))
        #expect(later == atEnd)
        #expect(later.milestones[0].reachedAfter == TimeInterval(18 * 60))
        #expect(later.milestones[0].isMet == true)
        #expect(later.stepsDone == 1)
        #expect(later.statusUpdates.missed?.dueAt == minute(15))
    }

    @Test("history groups finished runs by scenario and compares the last two")
    func history() throws {
        let events = try run()
        let first = try #require(DrillScoreCard(events: events, asOf: minute(90)))
        var second = first
        second.incident = "DRILL-2"
        second.startedAt = minute(200)
        second.milestones[0].reachedAfter = 18 * 60
        let histories = DrillHistory.group([second, first])
        #expect(histories.count == 1)
        #expect(histories[0].runs.map(\.incident) == ["DRILL-1", "DRILL-2"])
        #expect(histories[0].milestoneKeys == ["restore:restore-started"])
        let trend = try #require(histories[0].trend)
        #expect(trend.change == -7 * 60)
        #expect(trend.milestonesCompared == 1)
        #expect(DrillHistory.group([first])[0].trend == nil)
    }
}
