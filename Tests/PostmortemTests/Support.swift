import Foundation
import IncidentCore

let utc = TimeZone(identifier: "UTC")!

/// A duration of hours and minutes, in seconds.
func hours(_ h: Int, _ m: Int) -> TimeInterval { TimeInterval((h * 60 + m) * 60) }

/// `HH:MM` on 2026-11-20 in UTC, or `+1 HH:MM` for the next day.
func at(_ text: String) -> Date {
    var day = 20
    var clock = Substring(text)
    if clock.hasPrefix("+1 ") {
        day = 21
        clock = clock.dropFirst(3)
    }
    let parts = clock.split(separator: ":").map { Int($0)! }
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = utc
    return calendar.date(from: DateComponents(year: 2026, month: 11, day: day, hour: parts[0], minute: parts[1],
                                              second: parts.count > 2 ? parts[2] : 0))!
}

/// An incident recorded entry by entry through `decide`, the way the store would: each entry at `at` (when it
/// happened), written down at `now` (when it was typed; the same unless backdated).
struct Replay {
    private(set) var events: [Event] = []
    private(set) var state: IncidentState
    var policy = Policy.standard

    init(_ title: String, severity: Severity, impact: String? = nil, drill: Bool = false, at time: String,
         now: String? = nil, by actor: String = "maria") {
        let event = Event(id: 1, incident: "INC-1", occurredAt: at(time), recordedAt: at(now ?? time), actor: actor,
                          payload: .declared(Declaration(title: title, severity: severity, impact: impact, isDrill: drill)))
        events = [event]
        state = IncidentState(declaration: event)!
    }

    /// Records a command; returns its entry number.
    @discardableResult
    mutating func record(_ command: IncidentCommand, at time: String, now: String? = nil, by actor: String = "maria") throws -> EventID {
        let payload = try state.decide(command, at: at(time), now: at(now ?? time), policy: policy)
        return append(payload, at: time, now: now, by: actor)
    }

    /// Appends a payload another feature decided (pages, runbook steps, postmortems).
    @discardableResult
    mutating func append(_ payload: EventPayload, at time: String, now: String? = nil, by actor: String = "maria") -> EventID {
        let event = Event(id: state.lastEventID + 1, incident: state.id, occurredAt: at(time), recordedAt: at(now ?? time),
                          actor: actor, payload: payload)
        events.append(event)
        state.apply(event)
        return event.id
    }

    mutating func note(_ text: String, at time: String, now: String? = nil, by actor: String = "maria") throws {
        try record(.note(text), at: time, now: now, by: actor)
    }

    mutating func state(_ to: LifecycleState, _ reason: String? = nil, at time: String, now: String? = nil,
                        by actor: String = "maria") throws {
        try record(.changeState(to: to, reason: reason, override: nil), at: time, now: now, by: actor)
    }

    mutating func sev(_ to: Severity, _ reason: String, at time: String, now: String? = nil, by actor: String = "maria") throws {
        try record(.changeSeverity(to: to, reason: reason), at: time, now: now, by: actor)
    }

    mutating func update(_ message: String, at time: String, by actor: String = "chen") throws {
        try record(.recordStatusUpdate(message: message), at: time, by: actor)
    }

    func facts(asOf time: String) -> PostmortemFacts {
        PostmortemFacts(events: events, asOf: at(time), policy: policy)!
    }
}

/// The storage runbook as attached to the outage: a shortened copy of Runbooks/storage-restore-from-backup.md.
let storageRunbook: Runbook = {
    var number = 0
    func step(_ id: String, _ text: String, owner: String? = nil, timebox minutes: Int? = nil, milestone: String? = nil) -> Runbook.Step {
        number += 1
        return Runbook.Step(id: id, number: number, text: text, owner: owner, timeboxSeconds: minutes.map { $0 * 60 },
                            milestone: milestone, line: number + 20)
    }
    let phases = [
        Runbook.Phase(title: "0–10 min: stand up command", line: 10, steps: [
            step("declare", "Declare the incident and name a scribe", owner: "ic", timebox: 5),
            step("freeze-tools", "Freeze every ops tool that can touch storage", owner: "storage", timebox: 10),
        ]),
        Runbook.Phase(title: "10–45 min: assess, and decide early", line: 11, steps: [
            step("contact-hardware", "Contact the hardware team", owner: "storage", timebox: 15, milestone: "hardware_engaged"),
            step("find-backup", "Find the newest good backup and its off-site copy", owner: "dba", timebox: 15),
            step("decide", "Decide: repair in place or restore from backup", owner: "ic", timebox: 5, milestone: "restore_decision"),
        ]),
        Runbook.Phase(title: "45 min – 5 h: restore", line: 12, steps: [
            step("start-restore", "Start the restore", owner: "dba", timebox: 15, milestone: "restore_started"),
            step("list-writes", "Write down every write accepted after the backup time", owner: "dba"),
            step("restore-complete", "Restore complete", owner: "dba", timebox: 240, milestone: "restore_complete"),
        ]),
        Runbook.Phase(title: "Verify and bring it back", line: 13, steps: [
            step("verify", "Verify the restored files against the backup's checksums", owner: "dba", timebox: 90,
                 milestone: "integrity_verified"),
            step("enable-writes", "Re-enable writes", owner: "storage", timebox: 15),
            step("recovered", "Watch 30 minutes of clean metrics, then declare recovered", owner: "ic", timebox: 30,
                 milestone: "recovered"),
            step("final-broadcast", "Send the final broadcast", owner: "comms", timebox: 15),
        ]),
    ]
    let targets = [("hardware_engaged", 15), ("restore_decision", 45), ("restore_started", 60), ("restore_complete", 300),
                   ("integrity_verified", 390), ("recovered", 450)]
        .enumerated().map { Runbook.Target(milestone: $1.0, minutes: $1.1, line: 5 + $0) }
    return Runbook(id: "storage-restore", title: "Storage nodes lost — restore from backup", severities: [.l1, .l2],
                   tags: ["storage"], targets: targets, phases: phases)
}()

extension Replay {
    /// Checks (or skips) a step of the storage runbook.
    mutating func step(_ id: String, _ action: StepAction = .done, reason: String? = nil, at time: String,
                       now: String? = nil, by actor: String = "maria") {
        let step = storageRunbook.step(id)!
        append(.runbook(.step(StepEvent(runbook: storageRunbook.id, step: id, number: step.number, text: step.text,
                                        action: action, reason: reason))), at: time, now: now, by: actor)
    }

    /// Pages a contact; returns the page's entry number.
    @discardableResult
    mutating func page(_ name: String, role: String?, tier: EscalationTier?, via: PageChannel, address: String,
                       escalatingFrom earlier: (EventID, String)? = nil, at time: String) -> EventID {
        append(.paging(.paged(PageOrder(contact: name.lowercased(), name: name, role: role, tier: tier, via: via,
                                        address: address, escalatesFrom: earlier?.0, escalatesFromName: earlier?.1))),
               at: time)
    }

    mutating func ack(_ page: EventID, _ name: String, at time: String) {
        let after = Int(at(time).timeIntervalSince(state.paging.page(id: page)!.pagedAt))
        append(.paging(.acknowledged(PageAck(contact: name.lowercased(), name: name, page: page, after: after))), at: time, by: name)
    }

    /// Sends a status update and delivers it to both channels at once.
    mutating func broadcast(_ message: String, at time: String) throws {
        let update = try record(.recordStatusUpdate(message: message), at: time, by: "chen")
        append(.delivery(.queued(update: update, channels: ["ops-war-room", "status-page"])), at: time, by: "outbox")
        append(.delivery(.delivered(update: update, channel: "ops-war-room", attempt: 1, detail: "HTTP 200")), at: time, by: "outbox")
        if time == "16:00" {
            append(.delivery(.failed(update: update, channel: "status-page", attempt: 1,
                                     problem: "HTTP 503 from https://status.example.com/hooks/T0KEN-s3cret", retryIn: 20)),
                   at: time, by: "outbox")
            append(.delivery(.delivered(update: update, channel: "status-page", attempt: 2, detail: nil)), at: "16:01", by: "outbox")
        } else if time == "19:06" {
            append(.delivery(.failed(update: update, channel: "status-page", attempt: 1, problem: "HTTP 401", retryIn: 60)),
                   at: time, by: "outbox")
            append(.delivery(.abandoned(update: update, channel: "status-page", attempt: 2, problem: "HTTP 401: token rejected")),
                   at: "19:07", by: "outbox")
        } else {
            append(.delivery(.delivered(update: update, channel: "status-page", attempt: 1, detail: nil)), at: time, by: "outbox")
        }
    }
}

/// The storage outage from the product spec, as a scribe, a communications lead and two commanders recorded it:
/// alert 14:07, declared 14:12, L1 at 14:20, restore from backup decided 15:00 and started 15:10, restore done
/// 19:00 (back to L2 at 19:05), integrity verified 21:00 (monitoring), fully recovered 22:00. The storage runbook
/// is followed (one step skipped, one left open), four people are paged (one escalation), and every status update
/// goes to two channels (one retry, one given up).
func storageRestoreOutage() throws -> Replay {
    var r = Replay("Document storage offline", severity: .l2, impact: "All users: opening and saving documents fails",
                   at: "14:12", now: "14:13")
    r.append(.runbook(.attached(storageRunbook, trigger: .matched(.l2, tags: ["storage"]))), at: "14:12", now: "14:13")
    try r.note("alert fired: storage health check failing on 14 of 20 nodes", at: "14:07", now: "14:14")
    r.step("declare", at: "14:13")
    let storage = r.page("Ana Ruiz", role: "storage", tier: .primary, via: .phone, address: "+1 555 0100", at: "14:13")
    let dba = r.page("Sam Lee", role: "dba", tier: .primary, via: .chat, address: "@sam", at: "14:13")
    try r.state(.investigating, at: "14:14")
    try r.note("hardware team contacted", at: "14:15", now: "14:18")
    r.step("contact-hardware", at: "14:15", now: "14:18")
    r.ack(storage, "Ana Ruiz", at: "14:16")
    try r.sev(.l1, "data at risk: nodes wiped by the ops tool", at: "14:20")
    let secondDBA = r.page("Kim Park", role: "dba", tier: .secondary, via: .phone, address: "+1 555 0199",
                           escalatingFrom: (dba, "Sam Lee"), at: "14:20")
    // Handoffs as their acceptances, recorded by the commander (offers are covered in PostmortemFactsTests).
    r.append(.roleAssigned(role: "comms", holder: "chen"), at: "14:21")
    r.page("Storage vendor", role: nil, tier: .vendor, via: .phone, address: "+1 800 555 0123", at: "14:21")
    r.step("freeze-tools", at: "14:24", by: "ana")
    r.ack(secondDBA, "Kim Park", at: "14:24")
    try r.broadcast("Investigating: document storage is offline for all users. Next update 14:40.", at: "14:25")
    r.step("find-backup", at: "14:40", by: "kim")
    try r.broadcast("Still investigating; storage nodes were taken offline by an internal tool. Next update 14:55.", at: "14:40")
    try r.state(.identified, "ops tool bug took production storage offline", at: "14:50", now: "14:55")
    try r.broadcast("Cause identified: an ops tool took storage offline. Planning recovery. Next update 15:15.", at: "14:58")
    try r.record(.decision("plan changed: restore from last night's backup instead of repairing nodes"), at: "15:00", now: "15:02")
    r.step("decide", at: "15:00", now: "15:02")
    try r.record(.actionItem("audit the ops tool's guard against production targets"), at: "15:05")
    try r.state(.mitigating, "restore from backup started", at: "15:10", now: "15:11")
    r.step("start-restore", at: "15:10", now: "15:11", by: "kim")
    try r.broadcast("Restore from backup started. Next update 15:30.", at: "15:12")
    let progress = try r.record(.note("restore at 18%"), at: "15:13")
    r.step("list-writes", .skipped, reason: "storage was offline: no writes were accepted after the backup", at: "15:15", by: "kim")
    try r.record(.correct(progress, text: "restore at 28%"), at: "15:20")
    r.append(.roleAssigned(role: "scribe", holder: "dev"), at: "15:27")
    try r.broadcast("Restore running, about a third done. Next update 16:15.", at: "16:00")
    r.append(.roleAssigned(role: "ic", holder: "bob"), at: "16:10")
    try r.note("restore at 61%", at: "17:30", by: "dev")
    try r.note("restore done", at: "19:00", now: "19:01", by: "dev")
    r.step("restore-complete", at: "19:00", now: "19:01", by: "kim")
    try r.sev(.l2, "restore done; integrity check running, no data at risk", at: "19:05", by: "bob")
    try r.broadcast("Restore complete; verifying integrity before reopening. Next update 19:21.", at: "19:06")
    try r.broadcast("Integrity check 40% done. Next update 19:35.", at: "19:20")
    try r.broadcast("Integrity check 70% done. Next update 19:50.", at: "19:35")
    try r.record(.actionItem("keep an off-site copy of the storage backups"), at: "20:00", by: "bob")
    r.step("verify", at: "21:00", now: "21:02", by: "kim")
    r.step("enable-writes", at: "21:00", now: "21:02", by: "ana")
    try r.state(.monitoring, "integrity check passed; service reopened", at: "21:00", now: "21:02", by: "bob")
    try r.broadcast("Service restored; monitoring. Next update 21:20.", at: "21:05")
    try r.broadcast("Monitoring: error rates normal. Next update 21:35.", at: "21:20")
    try r.broadcast("Monitoring: all regions normal. Next update 21:50.", at: "21:35")
    try r.broadcast("Monitoring: normal. Resolving at 22:00 if it holds.", at: "21:50")
    r.step("recovered", at: "22:00", now: "22:03", by: "bob")
    try r.state(.resolved, "fully recovered", at: "22:00", now: "22:03", by: "bob")
    try r.broadcast("Resolved: document storage fully recovered at 22:00.", at: "22:02")
    return r
}
