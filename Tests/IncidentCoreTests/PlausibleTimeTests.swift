import Foundation
import IncidentCore
import Testing

/// Times a person types are checked for plausibility: not far in the future, not more than `backdate_limit` before
/// the incident's declaration (or now, for a declaration), never before 2000.
@Suite struct PlausibleTimeTests {
    @Test func anEntryBackdatedPastTheLimitIsRefusedSayingHowToChangeIt() throws {
        let state = declared()
        let limit = Policy.standard.backdateLimit.seconds
        #expect(limit == 30 * 86400)
        // Up to the limit before the declaration is fine: an alert can precede the incident by days.
        #expect(throws: Never.self) { try state.decide(.note("first signal"), at: base.addingTimeInterval(-limit), now: base) }
        let tooFar = base.addingTimeInterval(-limit - 60)
        #expect(throws: RuleError.tooFarBack(given: tooFar, limit: limit, since: "INC-1 was declared")) {
            try state.decide(.note("typo"), at: tooFar, now: base)
        }
        let message = RuleError.tooFarBack(given: tooFar, limit: limit, since: "INC-1 was declared").description
        #expect(message == "2026-10-24 13:59 UTC is more than 30 days before INC-1 was declared: an entry may be backdated "
                + "at most 30 days (backdate_limit in warroom.yaml changes that)")
    }

    @Test func theYear1900IsRefusedWhateverTheLimit() throws {
        var policy = Policy.standard
        policy.backdateLimit = .seconds(200 * 365 * 86400)
        let old = try #require(ISO8601DateFormatter().date(from: "1900-01-01T00:00:00Z"))
        #expect(throws: RuleError.implausiblyOld(given: old)) { try declared().decide(.note("x"), at: old, now: base, policy: policy) }
        #expect(RuleError.implausiblyOld(given: old).description == "1900-01-01 00:00 UTC is before 2000-01-01: check the year")
        #expect(throws: RuleError.implausiblyOld(given: old)) {
            try Declaration(title: "t", severity: .l2).validated(at: old, now: base, policy: policy)
        }
    }

    @Test func aDeclarationMayBeBackdatedUpToTheLimitBeforeNow() throws {
        var policy = Policy.standard
        policy.backdateLimit = .seconds(86400)
        let declaration = Declaration(title: "Storage offline", severity: .l1)
        #expect(throws: Never.self) { try declaration.validated(at: minute(-60 * 23), now: base, policy: policy) }
        #expect(throws: RuleError.self) { try declaration.validated(at: minute(-60 * 25), now: base, policy: policy) }
    }
}
