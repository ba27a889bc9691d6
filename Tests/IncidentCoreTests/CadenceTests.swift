import Foundation
import IncidentCore
import Testing

@Suite("Status update cadence")
struct CadenceTests {
    @Test(arguments: [(Severity.l1, 15.0), (.l2, 15), (.l3, 30), (.l4, 60)])
    func firstUpdateIsDueACadenceAfterDeclaration(severity: Severity, minutes: Double) {
        #expect(declared(severity: severity).nextStatusUpdateDue() == minute(minutes))
    }

    @Test func standardPolicyNumbers() {
        let p = Policy.standard
        #expect(p.cadence(for: .l1) == .seconds(900))
        #expect(p.cadence(for: .l2) == .seconds(900))
        #expect(p.cadence(for: .l3) == .seconds(1800))
        #expect(p.cadence(for: .l4) == .seconds(3600))
        #expect(p.reminderLead == .seconds(120))
        #expect(p.monitoringPeriod == .seconds(1800))
        #expect(p.monitoredSeverities == [.l1, .l2])
        #expect(p.futureTolerance == .seconds(60))
    }

    @Test func afterAnUpdateTheNextCountsFromIt() throws {
        var state = declared(severity: .l2)
        try state.record(.recordStatusUpdate(message: "first"), at: minute(5))
        #expect(state.nextStatusUpdateDue() == minute(20))
        try state.record(.recordStatusUpdate(message: "second"), at: minute(12))
        #expect(state.nextStatusUpdateDue() == minute(27))
    }

    /// A late update still restarts the count from when it actually went out.
    @Test func aLateUpdateCountsFromWhenItWasSent() throws {
        var state = declared(severity: .l3)
        try state.record(.recordStatusUpdate(message: "late"), at: minute(45))
        #expect(state.nextStatusUpdateDue() == minute(75))
    }

    @Test(arguments: [(Severity.l2, Severity.l1), (.l2, .l4), (.l4, .l1), (.l1, .l3)])
    func aSeverityChangeMakesAnUpdateDueAtOnce(from: Severity, to: Severity) throws {
        var state = declared(severity: from)
        try state.record(.recordStatusUpdate(message: "first"), at: minute(5))
        try state.record(.changeSeverity(to: to, reason: "scope changed"), at: minute(7))
        #expect(state.nextStatusUpdateDue() == minute(7))

        let atChange = try #require(state.statusUpdateClock(now: minute(7)))
        #expect(atChange.dueAt == minute(7))
        #expect(atChange.remaining == 0)
        let later = try #require(state.statusUpdateClock(now: minute(9)))
        #expect(later.urgency == .overdue)
        #expect(later.remaining == -120)
    }

    @Test func aSeverityChangeStaysDueUntilAnUpdateGoesOut() throws {
        var state = declared(severity: .l3)
        try state.record(.changeSeverity(to: .l1, reason: "data at risk"), at: minute(7))
        try state.record(.note("still investigating"), at: minute(30))
        try state.record(change(to: .investigating), at: minute(31))
        #expect(state.nextStatusUpdateDue() == minute(7))
        #expect(state.statusUpdateClock(now: minute(31))?.urgency == .overdue)

        // The update goes out: back to the cadence of the new level, counted from that update.
        try state.record(.recordStatusUpdate(message: "now L1"), at: minute(32))
        #expect(state.nextStatusUpdateDue() == minute(47))
    }

    /// An update already overdue stays owed from when it fell due: a severity change must not hide the delay.
    @Test func aSeverityChangeDoesNotResetAnOverdueUpdate() throws {
        var state = declared(severity: .l2)
        try state.record(.changeSeverity(to: .l1, reason: "data at risk"), at: minute(20))
        #expect(state.nextStatusUpdateDue() == minute(15))
        #expect(state.statusUpdateClock(now: minute(20))?.remaining == -300)
    }

    /// Changing the level and sending the update in the same minute is the normal flow: it counts as sent.
    @Test func anUpdateAtTheSameInstantAsTheChangeCounts() throws {
        var state = declared(severity: .l2)
        try state.record(.changeSeverity(to: .l1, reason: "all regions"), at: minute(7))
        try state.record(.recordStatusUpdate(message: "now L1"), at: minute(7))
        #expect(state.nextStatusUpdateDue() == minute(22))
    }

    @Test func anUpdateBackdatedBeforeTheChangeDoesNotCount() throws {
        var state = declared(severity: .l2)
        try state.record(.changeSeverity(to: .l1, reason: "all regions"), at: minute(7))
        try state.record(.recordStatusUpdate(message: "sent before the change"), at: minute(6), now: minute(8))
        #expect(state.nextStatusUpdateDue() == minute(7))
    }

    @Test func theCadenceFollowsTheCurrentSeverity() throws {
        var state = declared(severity: .l4)
        try state.record(.recordStatusUpdate(message: "observing"), at: minute(10))
        #expect(state.nextStatusUpdateDue() == minute(70))
        try state.record(.changeSeverity(to: .l2, reason: "checkout errors"), at: minute(20))
        try state.record(.recordStatusUpdate(message: "now L2"), at: minute(21))
        #expect(state.nextStatusUpdateDue() == minute(36))
    }

    @Test func urgencyAroundTheReminderAndTheDeadline() throws {
        let state = declared(severity: .l2) // due at minute 15, reminder from minute 13

        let early = try #require(state.statusUpdateClock(now: minute(1)))
        #expect(early.dueAt == minute(15))
        #expect(early.remaining == 14 * 60.0)
        #expect(early.urgency == .scheduled)

        let justBefore = try #require(state.statusUpdateClock(now: minute(13).addingTimeInterval(-1)))
        #expect(justBefore.remaining == 121)
        #expect(justBefore.urgency == .scheduled)

        let atLead = try #require(state.statusUpdateClock(now: minute(13)))
        #expect(atLead.remaining == 120)
        #expect(atLead.urgency == .dueSoon)

        let atDue = try #require(state.statusUpdateClock(now: minute(15)))
        #expect(atDue.remaining == 0)
        #expect(atDue.urgency == .dueSoon)

        let past = try #require(state.statusUpdateClock(now: minute(15).addingTimeInterval(1)))
        #expect(past.remaining == -1)
        #expect(past.urgency == .overdue)

        let longPast = try #require(state.statusUpdateClock(now: minute(90)))
        #expect(longPast.remaining == -75 * 60.0)
        #expect(longPast.urgency == .overdue)
        #expect(longPast.dueAt == minute(15))
    }

    @Test(arguments: [LifecycleState.investigating, .identified, .mitigating, .monitoring])
    func activeIncidentsHaveAnUpdateDue(state lifecycle: LifecycleState) throws {
        let state = try incident(in: lifecycle, severity: .l3)
        #expect(state.nextStatusUpdateDue() == minute(30))
        #expect(state.statusUpdateClock(now: minute(20)) != nil)
    }

    @Test(arguments: [LifecycleState.resolved, .closed])
    func nothingIsDueOnceResolved(state lifecycle: LifecycleState) throws {
        let state = try incident(in: lifecycle, severity: .l1)
        #expect(state.nextStatusUpdateDue() == nil)
        #expect(state.statusUpdateClock(now: minute(200)) == nil)
    }

    @Test func aCustomPolicy() throws {
        var policy = Policy.standard
        policy.cadence = [.l1: .seconds(5 * 60), .l2: .seconds(10 * 60)]
        policy.reminderLead = .seconds(30)
        let l1 = declared(severity: .l1)
        #expect(l1.nextStatusUpdateDue(policy: policy) == minute(5))
        #expect(l1.statusUpdateClock(now: second(269), policy: policy)?.urgency == .scheduled)
        #expect(l1.statusUpdateClock(now: second(270), policy: policy)?.urgency == .dueSoon)
        #expect(l1.statusUpdateClock(now: second(301), policy: policy)?.urgency == .overdue)
        #expect(declared(severity: .l2).nextStatusUpdateDue(policy: policy) == minute(10))
        // A level the configuration leaves out keeps the standard cadence.
        #expect(policy.cadence(for: .l3) == .seconds(30 * 60))
        #expect(declared(severity: .l3).nextStatusUpdateDue(policy: policy) == minute(30))
    }

    @Test func fractionalCadences() {
        var policy = Policy.standard
        policy.cadence[.l2] = .milliseconds(90_500)
        #expect(declared(severity: .l2).nextStatusUpdateDue(policy: policy) == second(90.5))
        #expect(Duration.milliseconds(1_500).seconds == 1.5)
        #expect(Duration.seconds(-2).seconds == -2)
    }
}

@Suite("Elapsed time")
struct ElapsedTests {
    @Test func runsFromDeclarationWhileActive() throws {
        var state = declared()
        #expect(state.elapsed(now: base) == 0)
        #expect(state.elapsed(now: minute(90)) == 90 * 60.0)
        // A backdated first signal does not move the declaration clock.
        try state.record(.note("alert fired"), at: minute(-8), now: minute(2))
        #expect(state.elapsed(now: minute(10)) == 600)
    }

    @Test func neverNegative() {
        #expect(declared().elapsed(now: minute(-5)) == 0)
    }

    @Test(arguments: [LifecycleState.resolved, .closed])
    func frozenAtResolution(state lifecycle: LifecycleState) throws {
        let state = try incident(in: lifecycle) // resolved at minute 34
        #expect(state.elapsed(now: minute(34)) == 34 * 60.0)
        #expect(state.elapsed(now: minute(500)) == 34 * 60.0)
        #expect(state.elapsed(now: minute(5000)) == 34 * 60.0)
    }
}
