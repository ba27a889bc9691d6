import Foundation

// A drill is an incident flagged drill that replays a scenario: the scenario and the clock's speed are recorded
// right after the declaration, each scripted event is recorded when its offset comes round, and the end is
// recorded once. Everything the score card needs is in the log, so it can be rebuilt at any time.

/// Drill entries on the timeline.
public enum DrillEvent: Sendable, Equatable {
    /// The scenario being run (a snapshot, so later edits to the file change nothing) and the clock's speed.
    case started(DrillScenario, speed: Double)
    /// A scripted event reached the team.
    case injected(DrillInjection)
    /// The drill is over: no more events are injected, and the score card covers everything up to here.
    case ended(DrillEnding)
}

/// One inject as it fired.
public struct DrillInjection: Sendable, Equatable {
    /// Its position in the scenario's `injects`.
    public var index: Int
    public var inject: DrillScenario.Inject
    /// For an `unanswered` inject: the contact paged in the same transaction, who never acknowledges in this drill.
    /// `nil` when the text names nobody in the contacts file, so nobody could be paged.
    public var silentContact: String?
    public var silentName: String?

    public init(index: Int, inject: DrillScenario.Inject, silentContact: String? = nil, silentName: String? = nil) {
        self.index = index
        self.inject = inject
        self.silentContact = silentContact
        self.silentName = silentName
    }
}

/// Why a drill ended.
public enum DrillEnding: String, Sendable, Equatable, CaseIterable {
    /// `/end-drill` in the console or `warroom drill end`.
    case ended = "end-drill"
    /// The drill incident was resolved.
    case resolved
}

/// What a person (or the drill's runner) asks a drill incident to record.
public enum DrillCommand: Sendable, Equatable {
    /// Right after the declaration: the scenario and the clock's speed.
    case start(DrillScenario, speed: Double)
    /// Fire inject `index`; for an `unanswered` inject, `page` is the page it sends (recorded after it).
    case inject(Int, page: PageOrder?)
    case end(DrillEnding)
}

/// Why a drill command was refused.
public enum DrillRuleError: Error, Equatable, Sendable, CustomStringConvertible {
    case notADrill(IncidentID)
    case alreadyStarted(IncidentID, scenario: String)
    case notStarted(IncidentID)
    case badSpeed(Double)
    case noInjects(String)
    case unknownInject(Int, scenario: String, count: Int)
    case alreadyInjected(Int, at: Date)
    case outOfOrder(Int, waiting: Int)
    case over(IncidentID, DrillEnding)
    case neverAnswers(name: String, offset: String)

    public var description: String {
        switch self {
        case .notADrill(let id):
            "\(id) is not a drill; drills are started with warroom drill SCENARIO"
        case .alreadyStarted(let id, let scenario):
            "\(id) is already running the scenario \(scenario)"
        case .notStarted(let id):
            "\(id) has no scenario recorded"
        case .badSpeed(let speed):
            "the drill clock's speed must be a positive number (got \(speed))"
        case .noInjects(let scenario):
            "the scenario \(scenario) has no injects"
        case .unknownInject(let index, let scenario, let count):
            "the scenario \(scenario) has \(count) injects; there is no inject \(index + 1)"
        case .alreadyInjected(let index, _):
            "inject \(index + 1) has already fired"
        case .outOfOrder(let index, let waiting):
            "inject \(index + 1) cannot fire before inject \(waiting + 1)"
        case .over(let id, let ending):
            ending == .resolved ? "the drill \(id) ended when it was resolved" : "the drill \(id) has ended"
        case .neverAnswers(let name, let offset):
            "\(name) never acknowledges in this drill (the scenario's \(offset) inject): page the next tier instead"
        }
    }
}

/// The drill as the reducer keeps it; `IncidentState.drill` is `nil` until the scenario is recorded.
public struct DrillState: Sendable, Equatable {
    public private(set) var scenario: DrillScenario
    /// Clock seconds per real second.
    public private(set) var speed: Double
    /// The start entry's time: T+0 of the scenario.
    public private(set) var startedAt: Date
    /// Fired injects with the entry that recorded each, in log order.
    public private(set) var fired: [FiredInject] = []
    public private(set) var ending: DrillEnding?
    public private(set) var endedAt: Date?
    public private(set) var endedBy: String?

    /// An inject and the entry that recorded it.
    public struct FiredInject: Sendable, Equatable {
        public var injection: DrillInjection
        public var entry: EventID
        public var at: Date
    }

    init(scenario: DrillScenario, speed: Double, startedAt: Date) {
        self.scenario = scenario
        self.speed = speed
        self.startedAt = startedAt
    }

    public var isOver: Bool { ending != nil }

    /// The time the scenario schedules inject `index` for.
    public func dueAt(_ index: Int) -> Date { startedAt.addingTimeInterval(TimeInterval(scenario.injects[index].offsetSeconds)) }

    /// The index of the next inject to fire, or `nil` when all have fired or the drill is over.
    public var nextIndex: Int? {
        guard !isOver, fired.count < scenario.injects.count else { return nil }
        return fired.count
    }

    /// The injects whose time has come by `now` and have not fired, in order; none once the drill is over.
    public func due(now: Date) -> [Int] {
        guard let next = nextIndex else { return [] }
        return (next..<scenario.injects.count).prefix { dueAt($0) <= now }
    }

    /// Drill time from T+0 to `now`, or to the end once the drill is over; never negative.
    public func elapsed(now: Date) -> TimeInterval {
        let end = endedAt.map { min($0, now) } ?? now
        return max(0, end.timeIntervalSince(startedAt))
    }

    mutating func apply(_ event: DrillEvent, from entry: Event) {
        switch event {
        case .started:
            break
        case .injected(let injection):
            fired.append(FiredInject(injection: injection, entry: entry.id, at: entry.occurredAt))
        case .ended(let ending):
            guard self.ending == nil else { return }
            self.ending = ending
            endedAt = entry.occurredAt
            endedBy = entry.actor
        }
    }
}

extension IncidentState {
    /// Validates a drill command (called by `decide`).
    func decideDrill(_ command: DrillCommand, at occurredAt: Date) throws(RuleError) -> EventPayload {
        guard isDrill else { throw .drill(.notADrill(id)) }
        switch command {
        case .start(let scenario, let speed):
            if let drill { throw .drill(.alreadyStarted(id, scenario: drill.scenario.id)) }
            guard speed.isFinite, speed > 0 else { throw .drill(.badSpeed(speed)) }
            guard !scenario.injects.isEmpty else { throw .drill(.noInjects(scenario.id)) }
            return .drill(.started(scenario, speed: speed))
        case .inject(let index, let page):
            guard let drill else { throw .drill(.notStarted(id)) }
            if let ending = drill.ending { throw .drill(.over(id, ending)) }
            guard drill.scenario.injects.indices.contains(index) else {
                throw .drill(.unknownInject(index, scenario: drill.scenario.id, count: drill.scenario.injects.count))
            }
            if let done = drill.fired.first(where: { $0.injection.index == index }) { throw .drill(.alreadyInjected(index, at: done.at)) }
            if let next = drill.nextIndex, next != index { throw .drill(.outOfOrder(index, waiting: next)) }
            let inject = drill.scenario.injects[index]
            let silent = inject.kind == .unanswered ? page : nil
            return .drill(.injected(DrillInjection(index: index, inject: inject, silentContact: silent?.contact,
                                                   silentName: silent?.name)))
        case .end(let ending):
            guard let drill else { throw .drill(.notStarted(id)) }
            if let ended = drill.ending { throw .drill(.over(id, ended)) }
            return .drill(.ended(ending))
        }
    }

    /// Refuses an acknowledgement from a contact the scenario says never answers.
    func checkDrillAcknowledgement(_ payload: EventPayload) throws(RuleError) {
        guard let drill, !drill.isOver, case .paging(.acknowledged(let ack)) = payload,
              let silent = drill.fired.first(where: { $0.injection.silentContact == ack.contact })
        else { return }
        throw .drill(.neverAnswers(name: ack.name, offset: silent.injection.inject.offsetText))
    }

    /// Everything an inject records, for one store transaction: the inject, then the page an `unanswered` one sends.
    public func injectDrafts(_ index: Int, page: PageOrder?, at occurredAt: Date, now: Date, actor: String) throws(RuleError) -> [EventDraft] {
        let payload = try decide(.drill(.inject(index, page: page)), at: occurredAt, now: now)
        var drafts = [EventDraft(occurredAt: occurredAt, recordedAt: now, actor: actor, payload: payload)]
        if case .drill(.injected(let injection)) = payload, injection.silentContact != nil, let page {
            drafts.append(EventDraft(occurredAt: occurredAt, recordedAt: now, actor: actor,
                                     payload: try decide(.paging(.page(page)), at: occurredAt, now: now)))
        }
        return drafts
    }
}

// MARK: - Timeline text and store columns

extension DrillEvent {
    /// `drill` for the start and the end, `inject` for scripted events, so the timeline can show injects apart.
    public var kind: EventKind {
        switch self {
        case .started, .ended: .drill
        case .injected: .inject
        }
    }

    /// One line a person reads on the timeline.
    public var summary: String {
        switch self {
        case .started(let scenario, let speed):
            let count = scenario.injects.count == 1 ? "1 scripted event" : "\(scenario.injects.count) scripted events"
            return "drill started: scenario \(scenario.id), clock at \(DrillScenario.speedText(speed)); \(count) "
                + "over \(DurationText.short(TimeInterval(scenario.scriptedLength.components.seconds)))"
        case .injected(let injection):
            var s = injection.inject.scriptLine
            if injection.inject.kind == .unanswered {
                if let name = injection.silentName {
                    s += " — \(name) is paged and will not acknowledge: escalate when the acknowledgement runs out"
                } else {
                    s += " — nobody by that name in the contacts, so no page went out"
                }
            }
            return s
        case .ended(let ending):
            return ending == .resolved ? "drill ended: the incident was resolved" : "drill ended (/end-drill)"
        }
    }

    /// The event as store columns. Start: scenario title in `text`, `started` in `value`, the snapshot and speed as
    /// JSON in `extra`. Inject: its text in `text`, its kind in `value`, its index in `ref`, the rest in `extra`.
    /// End: `ended` in `value`, the reason in `reason`.
    var columns: EventColumns {
        let kind = self.kind.rawValue
        switch self {
        case .started(let scenario, let speed):
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let extra = (try? encoder.encode(StartRecord(speed: speed, scenario: scenario))).map { String(decoding: $0, as: UTF8.self) }
            return EventColumns(kind: kind, text: scenario.title, value: "started", extra: extra)
        case .injected(let i):
            var extra = ["offset": String(i.inject.offsetSeconds), "line": String(i.inject.line)]
            extra["severity"] = i.inject.severity?.rawValue
            extra["silent"] = i.silentContact
            extra["silent_name"] = i.silentName
            return EventColumns(kind: kind, text: i.inject.text, value: i.inject.kind.rawValue, ref: Int64(i.index),
                                extra: EventPayload.encode(extra))
        case .ended(let ending):
            return EventColumns(kind: kind, value: "ended", reason: ending.rawValue)
        }
    }

    init(columns c: EventColumns) throws(EventDecodingError) {
        func fail(_ problem: String) -> EventDecodingError { EventDecodingError(kind: c.kind, problem: problem) }
        switch (c.kind, c.value) {
        case (EventKind.drill.rawValue, "started"):
            guard let extra = c.extra, let record = try? JSONDecoder().decode(StartRecord.self, from: Data(extra.utf8)) else {
                throw fail("bad scenario snapshot")
            }
            self = .started(record.scenario, speed: record.speed)
        case (EventKind.drill.rawValue, "ended"):
            guard let ending = c.reason.flatMap(DrillEnding.init(rawValue:)) else { throw fail("bad ending") }
            self = .ended(ending)
        case (EventKind.inject.rawValue, let raw?):
            guard let kind = DrillScenario.Kind(rawValue: raw), let text = c.text, let index = c.ref else { throw fail("bad inject") }
            let extra = try EventPayload.decode(c.extra, fail)
            guard let offset = extra["offset"].flatMap(Int.init), let line = extra["line"].flatMap(Int.init) else {
                throw fail("no inject offset")
            }
            var severity: Severity?
            if let level = extra["severity"] {
                guard let s = Severity(rawValue: level) else { throw fail("bad severity") }
                severity = s
            }
            let inject = DrillScenario.Inject(offsetSeconds: offset, kind: kind, text: text, severity: severity, line: line)
            self = .injected(DrillInjection(index: Int(index), inject: inject, silentContact: extra["silent"],
                                            silentName: extra["silent_name"]))
        default:
            throw fail("not a drill entry")
        }
    }

    private struct StartRecord: Codable {
        var speed: Double
        var scenario: DrillScenario
    }
}

extension DrillScenario {
    /// `60×`, `1.5×`: a clock speed as people say it.
    public static func speedText(_ speed: Double) -> String {
        let rounded = speed.rounded()
        let number = abs(speed - rounded) < 0.0001 ? String(Int(rounded)) : String(format: "%g", speed)
        return "\(number)×"
    }
}
