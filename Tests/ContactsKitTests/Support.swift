import Foundation
import IncidentCore

// Fixed instants only: nothing here reads the wall clock.

/// 2026-11-23T14:00:00Z, when every test incident is declared.
let t0 = Date(timeIntervalSince1970: 1_795_442_400)

/// `t0` plus minutes (fractions allowed).
func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }

/// A small book: dba has all four tiers; ic and comms have two; L1 needs ic, dba, comms with a 5-minute timeout,
/// L2 needs ic and dba with 10 minutes; L3 needs dba; L4 nobody.
let book = ContactBook(
    contacts: [
        Contact(id: "maria", name: "Maria Okafor", phone: "+1 415 555 0101", chat: "@maria", timeZone: "America/Los_Angeles"),
        Contact(id: "sam", name: "Sam Lee", phone: "+46 8 555 010 22", chat: "@sam"),
        Contact(id: "priya", name: "Priya Raman", chat: "@priya"),
        Contact(id: "chen", name: "Chen Wei", phone: "+86 10 5550 1004"),
        Contact(id: "lee", name: "Lee Adeyemi", phone: "+44 20 5550 1006"),
        Contact(id: "jo", name: "Jo Park", phone: "+1 312 555 0105"),
        Contact(id: "db-oncall", name: "Database on-call", kind: .team, phone: "+1 415 555 0190"),
        Contact(id: "acme", name: "Acme DB support", kind: .vendor, phone: "+1 800 555 0199", contract: "AC-77",
                ticketURL: "https://acme.example/new"),
    ],
    roles: [
        EscalationRole(id: "ic", tiers: [TierAssignment(tier: .primary, contact: "maria"), TierAssignment(tier: .secondary, contact: "lee")]),
        EscalationRole(id: "dba", tiers: [
            TierAssignment(tier: .primary, contact: "sam"), TierAssignment(tier: .secondary, contact: "priya"),
            TierAssignment(tier: .manager, contact: "lee"), TierAssignment(tier: .vendor, contact: "acme"),
        ]),
        EscalationRole(id: "comms", tiers: [TierAssignment(tier: .primary, contact: "chen"), TierAssignment(tier: .secondary, contact: "jo")]),
    ],
    policies: [
        .l1: EngagementPolicy(severity: .l1, roles: ["ic", "dba", "comms"], ackTimeout: .seconds(300)),
        .l2: EngagementPolicy(severity: .l2, roles: ["ic", "dba"], ackTimeout: .seconds(600)),
        .l3: EngagementPolicy(severity: .l3, roles: ["dba"]),
        .l4: EngagementPolicy(severity: .l4, roles: []),
    ])

/// A freshly declared incident at `t0`.
func incident(_ severity: Severity = .l1) -> IncidentState {
    let event = Event(id: 1, incident: "INC-1", occurredAt: t0, recordedAt: t0, actor: "maria",
                      payload: .declared(Declaration(title: "Storage offline", severity: severity)))
    return IncidentState(declaration: event)!
}

extension IncidentState {
    /// Runs a command through `decide` and folds the event in, as the store does.
    @discardableResult
    mutating func record(_ command: IncidentCommand, at date: Date, by actor: String = "maria") throws(RuleError) -> Event {
        let payload = try decide(command, at: date, now: date)
        let event = Event(id: lastEventID + 1, incident: id, occurredAt: date, recordedAt: date, actor: actor, payload: payload)
        apply(event)
        return event
    }

    /// Proposes a page for `target` at `date` and records it.
    @discardableResult
    mutating func page(_ target: String, via: PageChannel? = nil, at date: Date) throws -> (PageProposal, Event) {
        let proposal = try proposePage(target, via: via, contacts: book, now: date)
        let event = try record(.paging(.page(proposal.order)), at: date)
        return (proposal, event)
    }

    @discardableResult
    mutating func ack(_ target: String, at date: Date) throws -> Event {
        try record(.paging(.acknowledge(target)), at: date)
    }
}
