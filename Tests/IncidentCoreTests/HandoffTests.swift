import Foundation
import IncidentCore
import Testing

// Handing a role over: an offer, then the new holder's acceptance; until then the holder keeps it.

@Suite("Role handoffs")
struct HandoffTests {
    @Test func anOfferChangesNothingUntilItIsAccepted() throws {
        var state = declared(by: "alice")
        let offer = try state.record(.assignRole(role: "IC", holder: "bob"), at: minute(1))
        #expect(offer.payload == .handoff(.offered(role: Role.commander, to: "bob", from: "alice")))
        #expect(offer.payload.summary == "alice hands incident commander to bob; alice keeps it until bob accepts")
        #expect(state.commander == "alice")
        let pending = try #require(state.handoffs[Role.commander])
        #expect((pending.to, pending.from, pending.offeredAt, pending.entry) == ("bob", "alice", minute(1), offer.id))

        let accepted = try state.record(.acceptRole("commander"), at: minute(3), by: "bob")
        #expect(accepted.payload == .roleAssigned(role: Role.commander, holder: "bob"))
        #expect(state.commander == "bob")
        // The new commander holds every role nobody else was given.
        #expect(state.holder(of: Role.scribe) == "bob")
        #expect(state.handoffs.isEmpty)
    }

    @Test func aDeclinedOfferLeavesTheRoleWhereItWas() throws {
        var state = declared(by: "alice")
        try state.record(.assignRole(role: "scribe", holder: "dev"), at: minute(1))
        let declined = try state.record(.declineRole("scribe"), at: minute(2), by: "dev")
        #expect(declined.payload.summary == "dev declined scribe")
        #expect(state.holder(of: Role.scribe) == "alice")
        #expect(state.handoffs.isEmpty)
        #expect(throws: RuleError.handoff(.nothingOffered("INC-1", role: Role.scribe, pending: []))) {
            try state.record(.acceptRole("scribe"), at: minute(3))
        }
    }

    @Test func theOnlyHandoffWaitingNeedsNoName() throws {
        var state = declared(by: "alice")
        #expect(throws: RuleError.handoff(.nothingOffered("INC-1", role: nil, pending: []))) {
            try state.record(.acceptRole(nil), at: minute(1))
        }
        try state.record(.assignRole(role: "scribe", holder: "dev"), at: minute(1))
        try state.record(.acceptRole(nil), at: minute(2), by: "dev")
        #expect(state.holder(of: Role.scribe) == "dev")

        try state.record(.assignRole(role: "comms", holder: "chen"), at: minute(3))
        try state.record(.assignRole(role: "deputy", holder: "bob"), at: minute(3))
        #expect(throws: RuleError.handoff(.ambiguous("INC-1", pending: ["comms", "deputy"]))) {
            try state.record(.acceptRole(nil), at: minute(4))
        }
        #expect(throws: RuleError.handoff(.nothingOffered("INC-1", role: Role.scribe, pending: ["comms", "deputy"]))) {
            try state.record(.declineRole("scribe"), at: minute(4))
        }
    }

    @Test func offersToTheHolderOrTwiceToTheSamePersonAreRefused_anotherPersonReplacesTheOffer() throws {
        var state = declared(by: "alice")
        #expect(throws: RuleError.handoff(.alreadyHolds(role: Role.commander, holder: "alice"))) {
            try state.record(.assignRole(role: "ic", holder: "Alice"), at: minute(1))
        }
        try state.record(.assignRole(role: "scribe", holder: "dev"), at: minute(1))
        #expect(throws: RuleError.handoff(.alreadyOffered(role: Role.scribe, to: "dev", at: minute(1)))) {
            try state.record(.assignRole(role: "scribe", holder: "dev"), at: minute(2))
        }
        try state.record(.assignRole(role: "scribe", holder: "sam"), at: minute(2))
        #expect(state.handoffs[Role.scribe]?.to == "sam")
        try state.record(.acceptRole("scribe"), at: minute(3), by: "sam")
        #expect(state.holder(of: Role.scribe) == "sam")
    }

    @Test func refusalsExplainThemselves() {
        #expect(RuleError.handoff(.alreadyOffered(role: "ic", to: "bob", at: minute(1))).description
                == "incident commander is already offered to bob, who takes it by accepting (/accept ic, warroom role ic --accept)")
        #expect(RuleError.handoff(.nothingOffered("INC-1", role: nil, pending: [])).description
                == "no handoff is waiting on INC-1; offer a role with /role ROLE NAME")
        #expect(RuleError.handoff(.nothingOffered("INC-1", role: "scribe", pending: ["ic"])).description
                == "no handoff of scribe is waiting on INC-1 (waiting: ic)")
    }
}
