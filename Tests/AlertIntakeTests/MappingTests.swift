import AlertIntake
import Foundation
import Testing

private let t0 = Date(timeIntervalSince1970: 1_796_378_400)  // 2026-12-04T10:00:00Z
private let now = t0.addingTimeInterval(600)

private func alert(_ fingerprint: String, _ status: AlertStatus = .firing, startsAt: Date = t0, endsAt: Date? = nil) -> Alert {
    Alert(status: status, labels: ["alertname": "DiskFull", "instance": fingerprint], startsAt: startsAt, endsAt: endsAt,
          fingerprint: fingerprint)
}

private func notification(_ alerts: [Alert], truncated: Int = 0) -> AlertNotification {
    AlertNotification(source: .alertmanager, status: alerts.contains { $0.status == .firing } ? .firing : .resolved,
                      groupKey: "{}:{alertname=\"DiskFull\"}", truncatedAlerts: truncated, alerts: alerts)
}

struct MappingTests {
    /// The life of one group, each notification decided against what the previous ones recorded.
    @Test func firingRepeatNewResolvedAllResolved() {
        var group = KnownGroup.unseen

        let first = AlertGroupMapping.decide(notification([alert("a")]), known: group, now: now)
        #expect(first.changes.map(\.kind) == [.firing])
        #expect(first.firstSignal == t0)
        #expect(!first.proposeMitigation)
        group = group.applying(first)

        let repeated = AlertGroupMapping.decide(notification([alert("a")]), known: group, now: now)
        #expect(repeated.isEmpty, "a repeat (an HA replica, a retry) records nothing")

        let second = AlertGroupMapping.decide(notification([alert("a"), alert("b", startsAt: t0 + 60)]), known: group, now: now)
        #expect(second.changes.map(\.kind) == [.firing] && second.changes[0].alert.fingerprint == "b")
        #expect(second.firstSignal == nil, "a later alert does not move the first signal")
        group = group.applying(second)

        let oneResolved = AlertGroupMapping.decide(
            notification([alert("a", .resolved, endsAt: t0 + 300), alert("b", startsAt: t0 + 60)]), known: group, now: now)
        #expect(oneResolved.changes.map(\.kind) == [.resolved])
        #expect(oneResolved.changes[0].alert.endsAt == t0 + 300)
        #expect(!oneResolved.proposeMitigation, "b still fires")
        group = group.applying(oneResolved)

        let allResolved = AlertGroupMapping.decide(
            notification([alert("a", .resolved, endsAt: t0 + 300), alert("b", .resolved, startsAt: t0 + 60, endsAt: t0 + 400)]),
            known: group, now: now)
        #expect(allResolved.changes.map(\.kind) == [.resolved] && allResolved.changes[0].alert.fingerprint == "b")
        #expect(allResolved.proposeMitigation)
        group = group.applying(allResolved)

        let resolvedAgain = AlertGroupMapping.decide(
            notification([alert("a", .resolved, endsAt: t0 + 300), alert("b", .resolved, startsAt: t0 + 60, endsAt: t0 + 400)]),
            known: group, now: now)
        #expect(resolvedAgain.isEmpty, "the proposal is made once")
    }

    @Test func refire() {
        let resolved = KnownGroup(alerts: ["a": KnownAlert(status: .resolved, startsAt: t0, endsAt: t0 + 300)], mitigationProposed: true)
        let again = AlertGroupMapping.decide(notification([alert("a", startsAt: t0 + 900)]), known: resolved, now: now + 900)
        #expect(again.changes.map(\.kind) == [.refired])
        #expect(again.firstSignal == nil, "the first signal stays the first firing")
        let after = resolved.applying(again)
        #expect(after.alerts["a"] == KnownAlert(status: .firing, startsAt: t0 + 900) && !after.mitigationProposed)

        let stale = AlertGroupMapping.decide(notification([alert("a")]), known: resolved, now: now)
        #expect(stale.isEmpty, "a late copy of the old firing (same startsAt) is not a re-fire")

        let unseenFiring = AlertGroupMapping.decide(
            notification([alert("a", .resolved, startsAt: t0 + 900, endsAt: t0 + 960)]), known: resolved, now: now + 900)
        #expect(unseenFiring.changes.map(\.kind) == [.resolved], "a firing that came and went between notifications")

        let missedResolution = KnownGroup(alerts: ["a": KnownAlert(status: .firing, startsAt: t0)])
        #expect(AlertGroupMapping.decide(notification([alert("a", startsAt: t0 + 900)]), known: missedResolution, now: now + 900)
            .changes.map(\.kind) == [.refired])
    }

    @Test func earliestStartIsTheFirstSignal() {
        let n = notification([alert("a", startsAt: t0 + 120), alert("b", startsAt: t0), alert("c", startsAt: t0 + 60)])
        #expect(AlertGroupMapping.decide(n, known: .unseen, now: now).firstSignal == t0)

        let known = KnownGroup(alerts: ["a": KnownAlert(status: .firing, startsAt: t0 + 120)])
        let earlier = AlertGroupMapping.decide(notification([alert("a", startsAt: t0 + 120), alert("b", startsAt: t0)]), known: known, now: now)
        #expect(earlier.firstSignal == t0, "an alert that started before the recorded first signal moves it back")
    }

    @Test func doubtfulStartsAreFlaggedNotRefused() {
        let future = t0 + 3600
        let decision = AlertGroupMapping.decide(
            notification([alert("skewed", startsAt: future), alert("ancient", startsAt: Date(timeIntervalSince1970: 0)),
                          alert("old", startsAt: now - 400 * 86400), alert("ok", startsAt: now + 200)]),
            known: .unseen, now: now)
        #expect(decision.changes.map(\.kind) == [.firing, .firing, .firing, .firing])
        #expect(decision.changes.map(\.startFlag) == [.inFuture(by: future.timeIntervalSince(now)), .implausiblyOld, .implausiblyOld, nil],
                "200 s ahead is within the tolerance")
        #expect(decision.firstSignal == now + 200, "flagged starts do not set time-to-detect")

        let onlyFlagged = AlertGroupMapping.decide(notification([alert("skewed", startsAt: future)]), known: .unseen, now: now)
        #expect(onlyFlagged.firstSignal == nil && !onlyFlagged.isEmpty)
    }

    @Test func truncatedAlertsAreRecordedWhenTheyChange() {
        let first = AlertGroupMapping.decide(notification([alert("a")], truncated: 12), known: .unseen, now: now)
        #expect(first.truncatedAlerts == 12)
        let group = KnownGroup.unseen.applying(first)
        let same = AlertGroupMapping.decide(notification([alert("a")], truncated: 12), known: group, now: now)
        #expect(same.isEmpty)
        #expect(AlertGroupMapping.decide(notification([alert("a")]), known: group, now: now).truncatedAlerts == 0)
        #expect(AlertGroupMapping.decide(notification([alert("a")]), known: .unseen, now: now).truncatedAlerts == nil)
    }

    @Test func duplicateFingerprintsCountOnce() {
        let decision = AlertGroupMapping.decide(notification([alert("a"), alert("a")]), known: .unseen, now: now)
        #expect(decision.changes.count == 1)
    }

    @Test func groupFirstSeenResolvedProposesNothing() {
        let decision = AlertGroupMapping.decide(notification([alert("a", .resolved, endsAt: t0 + 60)]), known: .unseen, now: now)
        #expect(decision.changes.map(\.kind) == [.resolved])
        #expect(!decision.proposeMitigation, "nothing was firing, so there is nothing to mitigate")
    }

    @Test func resolvedThenFiringInOneNotification() {
        let known = KnownGroup(alerts: ["a": KnownAlert(status: .firing, startsAt: t0)])
        let decision = AlertGroupMapping.decide(
            notification([alert("a", .resolved, endsAt: t0 + 60), alert("b", startsAt: t0 + 30)]), known: known, now: now)
        #expect(decision.changes.map(\.kind) == [.resolved, .firing])
        #expect(!decision.proposeMitigation)
    }
}
