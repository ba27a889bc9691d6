import ArgumentParser
import ContactsKit
import Foundation
import IncidentCore

/// `warroom status`: where an incident stands and when the next update is due.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show severity, state, elapsed time and the next status update (due, due soon or OVERDUE).",
        discussion: "Without --incident, shows every active incident. --json prints an array with one object per incident."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "The incident (INC-3 or 3).")
    var incident: String?

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let store = try await global.openStore(create: false)
        let now = try global.now()
        let incidents = try await global.selectedIncidents(incident, store: store, allActive: true)
        let policy = try global.policy()
        if json {
            let contacts = ContactsSupport.optionalBook(global)
            CLIOutput.print(try JSONText.pretty(incidents.map { state in
                var json = StatusJSON(state, now: now, policy: policy)
                json.paging = PagingStatusJSON(state, now: now, contacts: contacts)
                json.broadcast = BroadcastStatusJSON(state)
                return json
            }))
            return
        }
        let text = TimeText(timeZone: global.timeZone)
        let contacts = ContactsSupport.optionalBook(global)
        CLIOutput.print(incidents.map { Self.report($0, now: now, text: text, contacts: contacts, policy: policy) }.joined(separator: "\n\n"))
    }

    static func report(_ s: IncidentState, now: Date, text: TimeText, contacts: ContactsLoad = .missing(path: ""),
                       policy: Policy = .standard) -> String {
        func since(_ date: Date) -> String {
            text.differentDays(date, now) ? text.dayAndMinute(date) : text.minute(date)
        }
        var rows: [(String, String)] = []
        rows.append(("severity", "\(s.severity.rawValue) since \(since(s.severityHistory.last!.since))"))
        rows.append(("state", "\(s.lifecycle.rawValue) since \(since(s.lifecycleHistory.last!.since))"))
        rows.append(("elapsed", "\(DurationText.short(s.elapsed(now: now))) (declared \(since(s.declaredAt)))"))
        if s.firstSignalAt < s.declaredAt { rows.append(("first signal", since(s.firstSignalAt))) }
        if let drill = s.drill {
            let injects = "\(drill.fired.count) of \(drill.scenario.injects.count) scripted events"
            let progress = drill.isOver
                ? "ended at \(DrillScenario.Inject.offsetText(seconds: Int(drill.elapsed(now: now))))"
                : "running (warroom drill \(drill.scenario.id) resumes it)"
            rows.append(("drill", "\(drill.scenario.id) at \(DrillScenario.speedText(drill.speed)), \(injects), \(progress)"))
        }
        if let clock = s.statusUpdateClock(now: now, policy: policy) {
            let due = since(clock.dueAt)
            let value =
                switch clock.urgency {
                case .overdue: "OVERDUE by \(DurationText.short(-clock.remaining)) (was due \(due))"
                case .dueSoon: "due soon: \(due), in \(DurationText.short(clock.remaining))"
                case .scheduled: "due \(due), in \(DurationText.short(clock.remaining))"
                }
            rows.append(("next update", value))
        } else {
            rows.append(("next update", "none: the incident is \(s.lifecycle.rawValue)"))
        }
        if let monitored = s.monitoredFor(now: now) { rows.append(("monitoring", "for \(DurationText.short(monitored))")) }
        if let impact = s.impact { rows.append(("impact", InertText.make(impact))) }
        rows.append(("commander", InertText.make(s.commander)))
        let others = s.roles.filter { $0.key != Role.commander }.sorted { $0.key < $1.key }
        if !others.isEmpty {
            rows.append(("roles", others.map { "\(InertText.make(Role.displayName($0.key))): \(InertText.make($0.value))" }.joined(separator: ", ")))
        }
        for pending in s.handoffs.values.sorted(by: { $0.offeredAt < $1.offeredAt }) {
            rows.append(("handoff", "\(InertText.make(Role.displayName(pending.role))) offered to \(InertText.make(pending.to)) "
                         + "\(DurationText.short(max(0, now.timeIntervalSince(pending.offeredAt)))) ago, not accepted; "
                         + "\(InertText.make(pending.from)) holds it (warroom role \(InertText.make(pending.role)) --accept)"))
        }
        rows += PagingReport.rows(s, now: now, text: text, contacts: contacts)
        rows += BroadcastReport.rows(s, text: text, now: now)
        let head = "\(s.id)\(s.isDrill ? " [DRILL]" : "")  \(InertText.make(s.title))"
        return ([head] + rows.map { "  " + $0.0.padding(toLength: 13, withPad: " ", startingAt: 0) + $0.1 })
            .joined(separator: "\n")
    }
}

/// `warroom status --json` for one incident.
struct StatusJSON: Encodable {
    var incident: IncidentID
    var title: String
    var drill: Bool
    var severity: String
    var state: String
    var active: Bool
    var declaredAt: String
    var firstSignalAt: String
    var elapsedSeconds: Int
    var nextUpdateDue: String?
    var updateStatus: String?
    var secondsUntilUpdate: Int?
    var impact: String?
    var commander: String
    var roles: [String: String]
    /// Roles offered and not yet accepted: role → the person it waits on and since when.
    var handoffs: [String: HandoffJSON]
    /// Required roles, who is missing, and pages waiting for an answer (PagingReport.swift).
    var paging: PagingStatusJSON?
    /// Updates sent, and the latest one's deliveries by channel (BroadcastJSON.swift).
    var broadcast: BroadcastStatusJSON?

    enum CodingKeys: String, CodingKey {
        case incident, title, drill, severity, state, active, declaredAt = "declared_at", firstSignalAt = "first_signal_at",
            elapsedSeconds = "elapsed_seconds", nextUpdateDue = "next_update_due", updateStatus = "update_status",
            secondsUntilUpdate = "seconds_until_update", impact, commander, roles, handoffs
        case paging
        case broadcast
    }

    init(_ s: IncidentState, now: Date, policy: Policy = .standard) {
        incident = s.id
        title = s.title
        drill = s.isDrill
        severity = s.severity.rawValue
        state = s.lifecycle.rawValue
        active = s.lifecycle.isActive
        declaredAt = s.declaredAt.formatted(EventJSON.iso)
        firstSignalAt = s.firstSignalAt.formatted(EventJSON.iso)
        elapsedSeconds = Int(s.elapsed(now: now))
        let clock = s.statusUpdateClock(now: now, policy: policy)
        nextUpdateDue = clock?.dueAt.formatted(EventJSON.iso)
        updateStatus = clock.map { $0.urgency == .dueSoon ? "due_soon" : $0.urgency.rawValue }
        secondsUntilUpdate = clock.map { Int($0.remaining.rounded(.down)) }
        impact = s.impact
        commander = s.commander
        roles = s.roles
        handoffs = s.handoffs.mapValues { HandoffJSON(to: $0.to, from: $0.from, offeredAt: $0.offeredAt.formatted(EventJSON.iso)) }
    }
}

/// A role offered and not yet accepted.
struct HandoffJSON: Encodable {
    var to: String
    var from: String
    var offeredAt: String

    enum CodingKeys: String, CodingKey {
        case to, from, offeredAt = "offered_at"
    }
}
