import Foundation
import IncidentCore
import Postmortem
import Testing

/// The storage-restore outage's computed figures, one by one.
@Suite("Postmortem facts: the storage-restore outage")
struct StorageRestoreFactsTests {
    let facts: PostmortemFacts

    init() throws {
        facts = try storageRestoreOutage().facts(asOf: "23:30")
    }

    @Test func identity() {
        #expect(facts.incident == "INC-1")
        #expect(facts.title == "Document storage offline")
        #expect(facts.impact == "All users: opening and saving documents fails")
        #expect(facts.declaredBy == "maria")
        #expect(facts.commander == "bob")
        #expect(facts.severity == .l2)
        #expect(facts.worstSeverity == .l1)
        #expect(facts.lifecycle == .resolved)
        #expect(facts.throughEvent == 92)
        #expect(facts.eventCount == 92)
    }

    @Test func keyTimesToTheMinute() {
        let k = facts.keyTimes
        #expect(k.firstSignal == at("14:07"))
        #expect(k.firstSignalEntry == 3)
        #expect(k.declared == at("14:12"))
        #expect(k.acknowledged == at("14:16"))
        #expect(k.mitigationStarted == at("15:10"))
        #expect(k.mitigated == at("21:00"))
        #expect(k.resolved == at("22:00"))
        #expect(k.closed == nil)
    }

    @Test func durationsFromTheFirstSignal() {
        let k = facts.keyTimes
        #expect(k.toDeclare == hours(0, 5))
        #expect(k.toAcknowledge == hours(0, 9))
        #expect(k.toMitigate == hours(6, 53))
        #expect(k.toResolve == hours(7, 53))
        #expect(k.mitigating == hours(5, 50))
    }

    @Test func severityHistory() {
        let changes = facts.severityChanges
        #expect(changes.map(\.at) == [at("14:12"), at("14:20"), at("19:05")])
        #expect(changes.map(\.from) == [nil, .l2, .l1])
        #expect(changes.map(\.to) == [.l2, .l1, .l2])
        #expect(changes.map(\.reason) == [nil, "data at risk: nodes wiped by the ops tool",
                                          "restore done; integrity check running, no data at risk"])
        #expect(changes.map(\.actor) == ["maria", "maria", "bob"])
        let held: [TimeInterval] = [8 * 60, (4 * 60 + 45) * 60, (2 * 60 + 55) * 60]
        #expect(changes.map(\.heldFor) == held)
        #expect(changes.map(\.ongoing) == [false, false, false])
    }

    @Test func timeAtEachSeverityAddsUpToTheIncident() {
        let durations: [TimeInterval] = [(4 * 60 + 45) * 60, (3 * 60 + 3) * 60]
        #expect(facts.timeAtSeverity.map(\.severity) == [.l1, .l2])
        #expect(facts.timeAtSeverity.map(\.duration) == durations)
        #expect(facts.timeAtSeverity.map(\.ongoing) == [false, false])
        let total = facts.timeAtSeverity.map(\.duration).reduce(0, +)
        #expect(total == PostmortemFacts.minutes(from: at("14:12"), to: at("22:00")))
    }

    @Test func statusUpdatePunctuality() {
        let u = facts.statusUpdates
        #expect(u.updates.count == 13)
        #expect(u.updates.map(\.dueAt) == [
            at("14:20"), at("14:40"), at("14:55"), at("15:13"), at("15:27"), at("16:15"), at("19:21"), at("19:35"),
            at("19:50"), at("21:20"), at("21:35"), at("21:50"), nil,
        ])
        let lateMinutes: [TimeInterval] = [5, 0, 3, 0, 33, 171, 0, 0, 75, 0, 0, 0, 0]
        #expect(u.updates.map { $0.lateBy / 60 } == lateMinutes)
        #expect(u.updates.map(\.severity) == [.l1, .l1, .l1, .l1, .l1, .l2, .l2, .l2, .l2, .l2, .l2, .l2, .l2])
        #expect(u.dueCount == 12)
        #expect(u.onTimeCount == 7)
        #expect(u.lateCount == 5)
        #expect(u.afterResolutionCount == 1)
        #expect(u.onTimePercent == 58)
        #expect(u.worstLateness == hours(2, 51))
        #expect(u.missed == nil)
    }

    @Test func rolesAndWhoHeldThem() {
        #expect(facts.roles.map(\.role) == ["ic", "ic", "scribe", "comms"])
        #expect(facts.roles.map(\.holder) == ["maria", "bob", "dev", "chen"])
        #expect(facts.roles.map(\.since) == [at("14:12"), at("16:10"), at("15:27"), at("14:21")])
        #expect(facts.roles.map(\.until) == [at("16:10"), nil, nil, nil])
        #expect(facts.roles.map(\.entry) == [nil, 49, 43, 13])
        #expect(facts.rolesHeldByCommander == ["deputy"])
    }

    @Test func timelineInTheOrderThingsHappenedWithCorrectionsApplied() {
        let t = facts.timeline
        #expect(t.count == 92)
        // The alert (#3) was written down after the declaration (#1) and the runbook it attached (#2).
        #expect(t.prefix(3).map(\.id) == [3, 1, 2])
        #expect(zip(t, t.dropFirst()).allSatisfy { ($0.occurredAt, $0.id) < ($1.occurredAt, $1.id) })
        let corrected = t.first { $0.id == 40 }!
        #expect(corrected.text == "restore at 28%")
        #expect(corrected.original == "restore at 18%")
        #expect(corrected.correctedBy == [42])
        #expect(t.first { $0.id == 42 }!.text == "corrects #40: restore at 28%")
        #expect(t.first { $0.id == 3 }!.isBackdated)
        #expect(!t.first { $0.id == 7 }!.isBackdated)
    }

    @Test func pagesAndAcknowledgements() {
        let p = facts.pages
        #expect(p.pages.map(\.target) == ["Ana Ruiz", "Sam Lee", "Kim Park", "Storage vendor"])
        #expect(p.pages.map(\.role) == ["storage", "dba", "dba", nil])
        #expect(p.pages.map(\.tier) == ["primary", "primary", "secondary", "vendor"])
        #expect(p.pages.map(\.via) == ["phone", "chat", "phone", "phone"])
        #expect(p.pages.map(\.pagedAt) == [at("14:13"), at("14:13"), at("14:20"), at("14:21")])
        #expect(p.pages.map(\.acknowledgedAt) == [at("14:16"), nil, at("14:24"), nil])
        #expect(p.pages.map(\.timeToAcknowledge) == [hours(0, 3), nil, hours(0, 4), nil])
        #expect(p.pages.map(\.escalatedFrom) == [nil, nil, "Sam Lee", nil])
        #expect(p.acknowledgedCount == 2)
        #expect(p.unansweredCount == 2)
        #expect(p.firstAcknowledged == at("14:16"))
    }

    @Test func runbookStepsAgainstTheirTimeboxes() throws {
        let r = facts.runbooks
        #expect(r.runbooks.map(\.id) == ["storage-restore"])
        #expect(r.runbooks.map(\.attachedAt) == [at("14:12")])
        #expect(r.runbooks.map(\.done) == [10])
        #expect(r.runbooks.map(\.skipped) == [1])
        #expect(r.runbooks.map(\.open) == [1])
        #expect(r.steps.map(\.number) == [1, 3, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12])
        #expect(r.steps.map(\.outcome) == [.done, .done, .done, .done, .done, .done, .skipped, .done, .done, .done, .done, .open])
        #expect(r.steps.map(\.at) == [at("14:13"), at("14:15"), at("14:24"), at("14:40"), at("15:00"), at("15:10"),
                                       at("15:15"), at("19:00"), at("21:00"), at("21:00"), at("22:00"), nil])
        // Each step is timed from when its phase became active; the first phase from the attach at 14:12.
        let took: [TimeInterval?] = [hours(0, 1), hours(0, 2), hours(0, 12), hours(0, 16), hours(0, 36), hours(0, 10),
                                     hours(0, 15), hours(4, 0), hours(2, 0), hours(2, 0), hours(3, 0), nil]
        #expect(r.steps.map(\.took) == took)
        #expect(r.steps.map(\.overTimebox) == [false, false, true, true, true, false, false, false, true, true, true, false])
        let skipped = try #require(r.steps.first { $0.outcome == .skipped })
        #expect(skipped.reason == "storage was offline: no writes were accepted after the backup")
        #expect(skipped.actor == "kim")
        #expect(skipped.timebox == nil)
    }

    @Test func milestonesAgainstTheRunbooksTargets() {
        let m = facts.runbooks.milestones
        #expect(m.map(\.milestone) == ["hardware_engaged", "restore_decision", "restore_started", "restore_complete",
                                        "integrity_verified", "recovered"])
        #expect(m.map(\.target) == [hours(0, 15), hours(0, 45), hours(1, 0), hours(5, 0), hours(6, 30), hours(7, 30)])
        #expect(m.map(\.reachedAt) == [at("14:15"), at("15:00"), at("15:10"), at("19:00"), at("21:00"), at("22:00")])
        // From the first signal at 14:07.
        #expect(m.map(\.reachedAfter) == [hours(0, 8), hours(0, 53), hours(1, 3), hours(4, 53), hours(6, 53), hours(7, 53)])
        #expect(m.map(\.isMet) == [true, false, false, true, false, false])
    }

    @Test func deliveriesToEachChannel() throws {
        let d = facts.deliveries.deliveries
        #expect(d.count == 26)
        #expect(facts.deliveries.deliveredCount == 25)
        let retried = try #require(d.first { $0.update == 44 && $0.channel == "status-page" })
        #expect(retried.attempts == 2)
        #expect(retried.deliveredAt == at("16:01"))
        #expect(retried.failure == nil)
        let abandoned = try #require(d.first { $0.update == 54 && $0.channel == "status-page" })
        #expect(abandoned.attempts == 2)
        #expect(abandoned.deliveredAt == nil)
        #expect(abandoned.abandoned)
        #expect(abandoned.failure == "HTTP 401: token rejected")
        #expect(d.prefix(2).map(\.channel) == ["ops-war-room", "status-page"])
    }

    /// A postmortem travels further than the war room: no numbers, handles or webhook addresses in it.
    @Test func pagesAndDeliveriesKeepAddressesOut() {
        let lines = facts.timeline.map(\.text)
        #expect(lines.contains("paged Kim Park (dba, secondary) by phone, escalated: Sam Lee did not acknowledge"))
        #expect(lines.contains("status-page: HTTP 503 from [address removed], retry in 20s (update #44, attempt 1)"))
        for line in lines {
            #expect(!line.contains("555") && !line.contains("@sam") && !line.contains("://") && !line.contains("s3cret"), "\(line)")
        }
    }

    @Test func decisionsAndActionItems() {
        #expect(facts.decisions.map(\.text) == ["plan changed: restore from last night's backup instead of repairing nodes"])
        #expect(facts.decisions.map(\.at) == [at("15:00")])
        #expect(facts.actionItems.map(\.text) == ["audit the ops tool's guard against production targets",
                                                  "keep an off-site copy of the storage backups"])
        #expect(facts.actionItems.map(\.actor) == ["maria", "bob"])
    }
}

@Suite("Postmortem facts: rules")
struct PostmortemFactsRuleTests {
    @Test func durationsAreDifferencesOfTheMinutesShown() throws {
        var r = Replay("Checkout down", severity: .l3, at: "14:12:50")
        try r.note("alert", at: "14:07:10", now: "14:13")
        let facts = r.facts(asOf: "14:30")
        // 5 min 40 s apart, but the document prints 14:07 and 14:12.
        #expect(facts.keyTimes.toDeclare == 300)
        #expect(PostmortemFacts.minutes(from: at("14:07:59"), to: at("14:08:00")) == 60)
        #expect(PostmortemFacts.minutes(from: at("14:07:00"), to: at("14:07:59")) == 0)
    }

    @Test func theFixThatHeldIsTheMitigation() throws {
        var r = Replay("API errors", severity: .l3, at: "10:00")
        try r.state(.investigating, at: "10:01")
        try r.state(.identified, at: "10:02")
        try r.state(.mitigating, at: "10:05")
        try r.state(.monitoring, at: "10:20")
        try r.state(.mitigating, "error rate back up", at: "10:30")
        let relapsed = r.facts(asOf: "10:40")
        #expect(relapsed.keyTimes.mitigationStarted == at("10:05"))
        #expect(relapsed.keyTimes.mitigated == nil)
        try r.state(.monitoring, at: "10:45")
        try r.state(.resolved, at: "11:00")
        let done = r.facts(asOf: "12:00")
        #expect(done.keyTimes.mitigationStarted == at("10:05"))
        #expect(done.keyTimes.mitigated == at("10:45"))
        #expect(done.keyTimes.mitigating == hours(0, 40))
        #expect(done.keyTimes.toResolve == hours(1, 0))
    }

    @Test func aDraftRunsToTheGenerationTime() throws {
        var r = Replay("Search slow", severity: .l3, at: "09:00")
        try r.sev(.l2, "all regions", at: "09:30")
        let facts = r.facts(asOf: "10:10")
        #expect(facts.lifecycle == .declared)
        #expect(facts.keyTimes.resolved == nil)
        #expect(facts.keyTimes.toResolve == nil)
        #expect(facts.timeAtSeverity.map(\.severity) == [.l2, .l3])
        #expect(facts.timeAtSeverity.map(\.duration) == [40 * 60, 30 * 60])
        #expect(facts.timeAtSeverity.map(\.ongoing) == [true, false])
        #expect(facts.severityChanges.last?.ongoing == true)
        // The severity change made an update due at 09:30; none went out.
        let missed = try #require(facts.statusUpdates.missed)
        #expect(missed.dueAt == at("09:30"))
        #expect(missed.until == at("10:10"))
        #expect(missed.overdueBy == 40 * 60)
        #expect(missed.stillDue)
        #expect(facts.statusUpdates.dueCount == 1)
        #expect(facts.statusUpdates.onTimePercent == 0)
    }

    @Test func anUpdateNeverSentIsMissedAtResolution() throws {
        var r = Replay("Queue backlog", severity: .l3, at: "09:00")
        try r.update("investigating", at: "09:20")
        try r.state(.investigating, at: "09:21")
        try r.state(.identified, at: "09:22")
        try r.state(.mitigating, at: "09:23")
        try r.state(.monitoring, at: "09:24")
        try r.state(.resolved, at: "10:15")
        let u = r.facts(asOf: "11:00").statusUpdates
        #expect(u.updates.map(\.isOnTime) == [true])
        // Due at 09:50 (30 minutes at L3), never sent; resolved at 10:15.
        let missed = try #require(u.missed)
        #expect(missed.dueAt == at("09:50"))
        #expect(missed.until == at("10:15"))
        #expect(missed.overdueBy == 25 * 60)
        #expect(!missed.stillDue)
        #expect(u.dueCount == 2)
        #expect(u.onTimeCount == 1)
        #expect(u.onTimePercent == 50)
        #expect(u.worstLateness == nil)
    }

    @Test func anUpdateSentTheMinuteItIsDueIsOnTime() throws {
        var r = Replay("Queue backlog", severity: .l4, at: "09:00")
        try r.update("first", at: "10:00:59")
        try r.update("second", at: "11:02")
        let u = r.facts(asOf: "11:30").statusUpdates
        #expect(u.updates.map(\.isOnTime) == [true, false])
        #expect(u.updates.map(\.lateBy) == [0, 120])
    }

    @Test func aRoleChangesHandsWhenTheOfferIsAccepted() throws {
        var r = Replay("DNS", severity: .l3, at: "09:00")
        try r.record(.assignRole(role: "scribe", holder: "dev"), at: "09:01")
        try r.record(.acceptRole("scribe"), at: "09:03", by: "dev")
        try r.record(.assignRole(role: "ic", holder: "bob"), at: "09:10")
        try r.record(.declineRole("ic"), at: "09:11", by: "bob")
        try r.record(.assignRole(role: "network-expert", holder: "ana"), at: "09:12")
        let facts = r.facts(asOf: "09:30")
        // Held from the acceptance, not the offer; a declined or unanswered offer hands nothing over.
        #expect(facts.roles.map(\.role) == ["ic", "scribe"])
        #expect(facts.roles[1].since == at("09:03"))
        #expect(facts.commander == "maria")
        #expect(facts.rolesHeldByCommander == ["deputy", "comms"])
        #expect(facts.timeline.map(\.kind).filter { $0 == .handoff }.count == 4)
    }

    @Test func aFailureThatStaysLosesItsAddress() throws {
        var r = Replay("Status page down", severity: .l3, at: "09:00")
        let update = try r.record(.recordStatusUpdate(message: "investigating"), at: "09:05")
        r.append(.delivery(.queued(update: update, channels: ["exec-webhook"])), at: "09:05")
        r.append(.delivery(.failed(update: update, channel: "exec-webhook", attempt: 1,
                                   problem: "POST https://hooks.example.com/services/T00/B00/XXXX failed (timeout).", retryIn: 30)),
                 at: "09:06")
        let facts = r.facts(asOf: "09:30")
        let delivery = try #require(facts.deliveries.deliveries.first)
        #expect(delivery.failure == "POST [address removed] failed (timeout).")
        #expect(delivery.deliveredAt == nil)
        #expect(!delivery.abandoned)
        #expect(facts.timeline.last?.text == "exec-webhook: POST [address removed] failed (timeout)., retry in 30s (update #2, attempt 1)")
        let text = PostmortemTemplate.builtIn.render(facts, timeZone: utc)
        #expect(text.contains("| update #2 | exec-webhook | 1 | not delivered yet after 1 attempt: POST [address removed] failed (timeout). |"))
        #expect(!text.contains("hooks.example.com"))
    }

    @Test func aPageByWebhookIsNamedAPageWhereverItsDeliveryAppears() throws {
        var r = Replay("Checkout down", severity: .l1, at: "09:00")
        let page = r.page("Sam Lee", role: "dba", tier: .primary, via: .webhook, address: "dba-pager", at: "09:02")
        r.append(.delivery(.queued(update: page, channels: ["dba-pager"])), at: "09:02")
        r.append(.delivery(.delivered(update: page, channel: "dba-pager", attempt: 1, detail: nil)), at: "09:02")
        let facts = r.facts(asOf: "09:30")
        #expect(facts.deliveries.deliveries.map(\.isPage) == [true])
        #expect(facts.timeline.suffix(2).map(\.text) == ["page #\(page) queued for dba-pager", "page #\(page) sent to dba-pager"])
        let text = PostmortemTemplate.builtIn.render(facts, timeZone: utc)
        #expect(text.contains("| page #\(page) | dba-pager | 1 | delivered at 09:02 |"), "\(text)")
    }

    @Test func noDeclarationNoFacts() {
        #expect(PostmortemFacts(events: [], asOf: at("10:00")) == nil)
    }
}
