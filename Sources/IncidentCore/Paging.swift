import Foundation

// Pages and acknowledgements: the events, the sub-state the reducer keeps, the acknowledgement clock,
// escalation to the next tier, and who must be engaged at the current severity. All pure: time is a parameter.

/// Paging entries on the timeline.
public enum PagingEvent: Sendable, Equatable {
    /// Someone was paged; the acknowledgement clock starts at the event's time.
    case paged(PageOrder)
    /// Someone answered a page.
    case acknowledged(PageAck)
}

/// A page, complete: who, for which role and tier, how, at which number, and how long they have to answer.
/// Everything the timer needs is in the event, so editing the contacts file later cannot change history.
public struct PageOrder: Sendable, Equatable, Hashable {
    /// The contact's id in the contacts file.
    public var contact: String
    public var name: String
    /// The canonical role the page is for; `nil` for someone paged by name who holds no role in the file.
    public var role: String?
    public var tier: EscalationTier?
    public var via: PageChannel
    /// The number dialled or the handle messaged.
    public var address: String
    /// Seconds the contact has to acknowledge.
    public var ackTimeout: Int
    /// 1 for the first page to this contact on this incident, 2 for the next, …
    public var attempt: Int
    /// The page whose acknowledgement ran out, when this one climbs the ladder.
    public var escalatesFrom: EventID?
    public var escalatesFromName: String?
    /// Vendor support: the contract quoted on the call.
    public var contract: String?

    public init(contact: String, name: String, role: String? = nil, tier: EscalationTier? = nil, via: PageChannel,
                address: String, ackTimeout: Int = Int(ContactBook.defaultAckTimeout.seconds), attempt: Int = 1,
                escalatesFrom: EventID? = nil, escalatesFromName: String? = nil, contract: String? = nil) {
        self.contact = contact
        self.name = name
        self.role = role
        self.tier = tier
        self.via = via
        self.address = address
        self.ackTimeout = ackTimeout
        self.attempt = attempt
        self.escalatesFrom = escalatesFrom
        self.escalatesFromName = escalatesFromName
        self.contract = contract
    }

    /// `dba, primary`, `dba`, `primary` or empty: how the timeline and prompts name the rung.
    public var roleAndTier: String {
        [role.map(Role.displayName), tier?.rawValue].compactMap { $0 }.joined(separator: ", ")
    }
}

/// An acknowledgement of one page.
public struct PageAck: Sendable, Equatable, Hashable {
    public var contact: String
    public var name: String
    public var role: String?
    /// The acknowledged page's event.
    public var page: EventID
    /// Seconds from the page to the acknowledgement.
    public var after: Int

    public init(contact: String, name: String, role: String? = nil, page: EventID, after: Int) {
        self.contact = contact
        self.name = name
        self.role = role
        self.page = page
        self.after = after
    }
}

/// What a person asks for about paging; `decide` turns it into a paging event or refuses it.
public enum PagingCommand: Sendable, Equatable {
    /// Record a page prepared by `proposePage` (the console shows it and asks first).
    case page(PageOrder)
    /// Record that a role (its latest page) or a person answered: what was typed after `ack`.
    case acknowledge(String)
}

/// Why a page or an acknowledgement was refused; the text says what to do instead.
public enum PagingError: Error, Equatable, Sendable, CustomStringConvertible {
    case noContacts
    case emptyTarget
    case unknownTarget(String, roles: [String], contacts: [String])
    case ambiguous(String, matches: [String])
    case noChannel(name: String)
    case noAddress(name: String, via: PageChannel, instead: PageChannel?)
    case webhookNeedsChannel(name: String)
    case roleEngaged(role: String, by: String)
    case roleHasNoTiers(role: String)
    case notActive(IncidentID, LifecycleState)
    case notPaged(String, IncidentID)
    case alreadyAcknowledged(name: String)
    case ackBeforePage(name: String, by: TimeInterval)
    case badTimeout
    case unknownPage(EventID, IncidentID)

    public var description: String {
        switch self {
        case .noContacts:
            return "no contacts loaded: put a contacts.yaml in the workspace (see contacts.example.yaml)"
        case .emptyTarget:
            return "say who: a role (dba) or a name from the contacts file"
        case .unknownTarget(let text, let roles, let contacts):
            return "no role or contact \"\(text)\" in the contacts file"
                + (roles.isEmpty ? "" : "; roles: \(roles.joined(separator: ", "))")
                + (contacts.isEmpty ? "" : "; contacts: \(contacts.prefix(12).joined(separator: ", "))\(contacts.count > 12 ? ", …" : "")")
        case .ambiguous(let text, let matches):
            return "\"\(text)\" matches several contacts (\(matches.joined(separator: ", "))); use the id"
        case .noChannel(let name):
            return "\(name) has no phone number or chat handle in the contacts file; add one to page them"
        case .noAddress(let name, let via, let instead):
            let what = via == .phone ? "phone number" : "chat handle"
            return "\(name) has no \(what) in the contacts file" + (instead.map { "; page by \($0.rawValue) (--via \($0.rawValue))" } ?? "")
        case .webhookNeedsChannel(let name):
            return "\(name) has no webhook channel in the contacts file: give them webhook: CHANNEL (a channel of warroom.yaml), or page by phone or chat"
        case .roleEngaged(let role, let by):
            return "\(Role.displayName(role)) is already engaged (\(by) acknowledged); to add someone, page them by name"
        case .roleHasNoTiers(let role):
            return "role \(role) lists nobody to page; give it a primary in the contacts file"
        case .notActive(let id, let state):
            return "\(id) is \(state.rawValue); pages are for active incidents"
        case .notPaged(let text, let id):
            return "nobody matching \"\(text)\" has been paged on \(id); page them first"
        case .alreadyAcknowledged(let name):
            return "\(name) has already acknowledged; nothing is waiting for an answer"
        case .ackBeforePage(let name, let by):
            return "that time is \(DurationText.short(by)) before \(name) was paged"
        case .badTimeout:
            return "the acknowledgement timeout must be more than 0 seconds"
        case .unknownPage(let page, let id):
            return "\(id) has no page #\(page)"
        }
    }
}

// MARK: - The sub-state

/// One page and, once answered, its acknowledgement.
public struct PageRecord: Sendable, Equatable, Hashable {
    /// The page's event id.
    public var id: EventID
    public var order: PageOrder
    public var pagedAt: Date
    /// Who recorded the page.
    public var pagedBy: String
    public var ackedAt: Date?
    public var ackID: EventID?

    /// When the acknowledgement is due.
    public var dueAt: Date { pagedAt.addingTimeInterval(TimeInterval(order.ackTimeout)) }
    public var isAcknowledged: Bool { ackedAt != nil }

    /// Pages of one role share a line (an escalation replaces the page before it); pages outside any role are per contact.
    public var line: String { order.role.map { "role:\($0)" } ?? "contact:\(order.contact)" }
}

/// Where one line of paging stands at a moment.
public enum AckStatus: Sendable, Equatable {
    /// Nobody has been paged for it.
    case notPaged
    /// The latest page is waiting; `remaining` seconds of its timer are left.
    case awaiting(PageRecord, remaining: TimeInterval)
    /// The latest page's timer ran out `by` seconds ago without an answer: escalate.
    case overdue(PageRecord, by: TimeInterval)
    /// Someone answered (the acknowledged page), and nobody was paged again since.
    case engaged(PageRecord)

    /// The page the status is about, if any.
    public var page: PageRecord? {
        switch self {
        case .notPaged: nil
        case .awaiting(let p, _), .overdue(let p, _), .engaged(let p): p
        }
    }

    public var isEngaged: Bool { if case .engaged = self { true } else { false } }
}

/// A running acknowledgement timer.
public struct AckTimer: Sendable, Equatable {
    public var page: PageRecord
    public var dueAt: Date
    /// Seconds until due; negative once overdue.
    public var remaining: TimeInterval
    public var isOverdue: Bool { remaining <= 0 }
}

/// One line of paging (a role, or a contact paged outside any role) and where it stands.
public struct PagingLine: Sendable, Equatable {
    /// `role:dba` or `contact:sam`.
    public var key: String
    public var role: String?
    public var status: AckStatus
}

/// Stores keep times to the millisecond, so a page read back from the store may sit a fraction of a millisecond
/// after the unrounded clock reading an acknowledgement typed in the same instant carries.
let storePrecision: TimeInterval = 0.001

/// Every page and acknowledgement of an incident; `IncidentState.paging` holds it.
public struct PagingState: Sendable, Equatable {
    /// Every page, in log order.
    public private(set) var pages: [PageRecord] = []

    public init() {}

    mutating func apply(_ event: PagingEvent, from entry: Event) {
        switch event {
        case .paged(let order):
            pages.append(PageRecord(id: entry.id, order: order, pagedAt: entry.occurredAt, pagedBy: entry.actor))
        case .acknowledged(let ack):
            guard let index = pages.firstIndex(where: { $0.id == ack.page }), pages[index].ackedAt == nil else { return }
            pages[index].ackedAt = entry.occurredAt
            pages[index].ackID = entry.id
        }
    }

    public func page(id: EventID) -> PageRecord? { pages.first { $0.id == id } }

    /// The most recent page to a contact.
    public func latestPage(to contact: String) -> PageRecord? {
        pages.filter { $0.order.contact == contact }.max { ($0.pagedAt, $0.id) < ($1.pagedAt, $1.id) }
    }

    /// Where a role stands.
    public func status(ofRole role: String, now: Date) -> AckStatus {
        status(of: pages.filter { $0.order.role == Role.canonical(role) }, now: now)
    }

    /// Where a line stands: engaged when an answer came after the latest page went out; otherwise the latest
    /// page's timer decides. A re-page after an answer means someone is needed again.
    func status(of linePages: [PageRecord], now: Date) -> AckStatus {
        guard let latest = linePages.max(by: { ($0.pagedAt, $0.id) < ($1.pagedAt, $1.id) }) else { return .notPaged }
        let answered = linePages.filter { ($0.ackedAt ?? .distantPast) >= latest.pagedAt.addingTimeInterval(-storePrecision) }
        if let answer = answered.max(by: { ($0.ackedAt!, $0.id) < ($1.ackedAt!, $1.id) }) { return .engaged(answer) }
        let remaining = latest.dueAt.timeIntervalSince(now)
        return remaining > 0 ? .awaiting(latest, remaining: remaining) : .overdue(latest, by: -remaining)
    }

    /// Every line that has been paged, in the order its first page went out.
    public func lines(now: Date) -> [PagingLine] {
        var order: [String] = []
        var byLine: [String: [PageRecord]] = [:]
        for page in pages {
            if byLine[page.line] == nil { order.append(page.line) }
            byLine[page.line, default: []].append(page)
        }
        return order.map { key in
            PagingLine(key: key, role: byLine[key]!.first!.order.role, status: status(of: byLine[key]!, now: now))
        }
    }

    /// The acknowledgement clock: a timer for each line still waiting for an answer, soonest due first.
    public func ackClock(now: Date) -> [AckTimer] {
        lines(now: now).compactMap { line -> AckTimer? in
            switch line.status {
            case .awaiting(let page, _), .overdue(let page, _):
                return AckTimer(page: page, dueAt: page.dueAt, remaining: page.dueAt.timeIntervalSince(now))
            case .notPaged, .engaged:
                return nil
            }
        }
        .sorted { ($0.dueAt, $0.page.id) < ($1.dueAt, $1.page.id) }
    }
}

// MARK: - Required versus engaged

/// One role the current severity requires, where it stands, and whom to page next.
public struct RoleEngagement: Sendable, Equatable {
    public var role: EscalationRole
    public var status: AckStatus
    /// The rung to page next: the primary when nobody was paged, the next tier when the answer is overdue;
    /// `nil` while a page is waiting, once engaged, or when the ladder has no rung left.
    public var next: TierAssignment?
}

/// Who must be engaged at the current severity against who is.
public struct Engagement: Sendable, Equatable {
    public var severity: Severity
    public var policy: EngagementPolicy
    /// In the policy's order.
    public var required: [RoleEngagement]
    /// Lines paged outside the required roles.
    public var others: [PagingLine]

    /// Required roles nobody has been paged for.
    public var missing: [RoleEngagement] { required.filter { $0.status == .notPaged } }
    /// Required roles paged but not yet answered.
    public var waiting: [RoleEngagement] {
        required.filter { if case .awaiting = $0.status { true } else if case .overdue = $0.status { true } else { false } }
    }
    public var engagedCount: Int { required.filter(\.status.isEngaged).count }

    /// `L1 requires ic, dba, comms: not paged: dba; waiting for an answer: comms` — said when the severity changes.
    public var gapsText: String {
        let roles = required.map(\.role.id)
        guard !roles.isEmpty else { return "\(severity.rawValue) requires nobody to be paged" }
        var text = "\(severity.rawValue) requires \(roles.joined(separator: ", "))"
        if !missing.isEmpty { text += "; not paged: \(missing.map(\.role.id).joined(separator: ", "))" }
        if !waiting.isEmpty { text += "; waiting for an answer: \(waiting.map(\.role.id).joined(separator: ", "))" }
        if missing.isEmpty && waiting.isEmpty { text += "; all engaged" }
        return text
    }
}

/// A page ready to record: the order, the contact it goes to, and why.
public struct PageProposal: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case first
        /// The same contact again: their page is still waiting, or the ladder has no rung left.
        case repage
        /// The next tier, because `from` went unanswered.
        case escalation(from: PageRecord)
    }

    public var order: PageOrder
    public var contact: Contact
    public var kind: Kind
}

extension IncidentState {
    /// The required roles at the current severity, where each stands at `now`, and whom to page next.
    public func engagement(contacts: ContactBook, now: Date) -> Engagement {
        let policy = contacts.policy(for: severity)
        let required = policy.roles.map { id -> RoleEngagement in
            let role = contacts.role(id: id) ?? EscalationRole(id: id, tiers: [])
            let status = paging.status(ofRole: role.id, now: now)
            let next: TierAssignment? =
                switch status {
                case .notPaged: role.tier(after: nil)
                case .overdue(let page, _): role.tier(after: page.order.tier)
                case .awaiting, .engaged: nil
                }
            return RoleEngagement(role: role, status: status, next: next)
        }
        let requiredKeys = Set(policy.roles.map { "role:\($0)" })
        let others = paging.lines(now: now).filter { !requiredKeys.contains($0.key) }
        return Engagement(severity: severity, policy: policy, required: required, others: others)
    }

    /// Prepares a page for what a person typed (`dba`, `sam`, `Sam Lee`): for a role, its primary at first,
    /// the same contact again while their page waits, the next tier once the answer is overdue.
    /// `via` defaults to the contact's phone, else chat. Nothing is recorded; `decide(.paging(.page(order)))` does that.
    public func proposePage(
        _ text: String, via: PageChannel? = nil, contacts: ContactBook, now: Date
    ) throws(PagingError) -> PageProposal {
        guard lifecycle.isActive else { throw .notActive(id, lifecycle) }
        let wanted = text.trimmingCharacters(in: .whitespaces)
        guard !wanted.isEmpty else { throw .emptyTarget }
        let targets = contacts.resolve(wanted)
        guard let target = targets.first else {
            throw .unknownTarget(wanted, roles: contacts.roles.map(\.id), contacts: contacts.contacts.map(\.id))
        }
        if targets.count > 1 {
            throw .ambiguous(wanted, matches: targets.compactMap { if case .contact(let c) = $0 { c.id } else { nil } })
        }
        switch target {
        case .role(let role):
            let status = paging.status(ofRole: role.id, now: now)
            switch status {
            case .notPaged:
                guard let first = role.tier(after: nil) else { throw .roleHasNoTiers(role: role.id) }
                return try proposal(contactID: first.contact, role: role.id, tier: first.tier, via: via, contacts: contacts, escalating: nil)
            case .awaiting(let page, _):
                return try proposal(contactID: page.order.contact, role: role.id, tier: page.order.tier, via: via,
                                    contacts: contacts, escalating: nil)
            case .overdue(let page, _):
                if let next = role.tier(after: page.order.tier) {
                    return try proposal(contactID: next.contact, role: role.id, tier: next.tier, via: via, contacts: contacts, escalating: page)
                }
                return try proposal(contactID: page.order.contact, role: role.id, tier: page.order.tier, via: via,
                                    contacts: contacts, escalating: nil)
            case .engaged(let page):
                throw .roleEngaged(role: role.id, by: page.order.name)
            }
        case .contact(let contact):
            // Paged by name: for the role they answer for that this severity requires, else their first role.
            let assignments = contacts.assignments(of: contact.id)
            let required = contacts.policy(for: severity).roles
            let chosen = assignments.first { required.contains($0.role.id) } ?? assignments.first
            var escalating: PageRecord?
            if let chosen, case .overdue(let page, _) = paging.status(ofRole: chosen.role.id, now: now),
               page.order.contact != contact.id, (page.order.tier.map { chosen.tier > $0 } ?? true) {
                escalating = page
            }
            return try proposal(contactID: contact.id, role: chosen?.role.id, tier: chosen?.tier, via: via,
                                contacts: contacts, escalating: escalating)
        }
    }

    private func proposal(
        contactID: String, role: String?, tier: EscalationTier?, via: PageChannel?, contacts: ContactBook, escalating: PageRecord?
    ) throws(PagingError) -> PageProposal {
        guard let contact = contacts.contact(id: contactID) else {
            throw .unknownTarget(contactID, roles: contacts.roles.map(\.id), contacts: contacts.contacts.map(\.id))
        }
        guard let channel = via ?? contact.defaultChannel else { throw .noChannel(name: contact.name) }
        if channel == .webhook, contact.webhook == nil { throw .webhookNeedsChannel(name: contact.name) }
        guard let address = contact.address(for: channel) else {
            throw .noAddress(name: contact.name, via: channel, instead: contact.defaultChannel)
        }
        let previous = paging.latestPage(to: contact.id)
        let waiting = previous.map { !$0.isAcknowledged && $0.order.role == role } ?? false
        let order = PageOrder(
            contact: contact.id, name: contact.name, role: role, tier: tier, via: channel, address: address,
            ackTimeout: Int(contacts.policy(for: severity).ackTimeout.seconds),
            attempt: paging.pages.filter { $0.order.contact == contact.id }.count + 1,
            escalatesFrom: escalating?.id, escalatesFromName: escalating?.order.name,
            contract: contact.kind == .vendor ? contact.contract : nil)
        let kind: PageProposal.Kind = escalating.map { .escalation(from: $0) } ?? (waiting ? .repage : .first)
        return PageProposal(order: order, contact: contact, kind: kind)
    }

    /// Validates a paging command against the incident as it stands (inside the store's write transaction).
    func decidePaging(_ command: PagingCommand, at occurredAt: Date) throws(RuleError) -> EventPayload {
        do throws(PagingError) {
            return try pagingPayload(command, at: occurredAt)
        } catch {
            throw .paging(error)
        }
    }

    private func pagingPayload(_ command: PagingCommand, at occurredAt: Date) throws(PagingError) -> EventPayload {
        switch command {
        case .page(var order):
            guard lifecycle.isActive else { throw .notActive(id, lifecycle) }
            order.contact = order.contact.trimmingCharacters(in: .whitespaces)
            order.name = order.name.trimmingCharacters(in: .whitespaces)
            order.address = order.address.trimmingCharacters(in: .whitespaces)
            guard !order.contact.isEmpty, !order.name.isEmpty else { throw .emptyTarget }
            // A webhook page's address is the channel's name; the runner queues its delivery in the same transaction.
            if order.via == .webhook, order.address.isEmpty { throw .webhookNeedsChannel(name: order.name) }
            guard !order.address.isEmpty else { throw .noAddress(name: order.name, via: order.via, instead: nil) }
            guard order.ackTimeout > 0 else { throw .badTimeout }
            if let from = order.escalatesFrom {
                guard let page = paging.page(id: from) else { throw .unknownPage(from, id) }
                order.escalatesFromName = page.order.name
            }
            order.role = order.role.map(Role.canonical)
            // Another terminal may have paged the same contact since the proposal: count in this transaction.
            order.attempt = paging.pages.filter { $0.order.contact == order.contact }.count + 1
            return .paging(.paged(order))

        case .acknowledge(let text):
            let wanted = text.trimmingCharacters(in: .whitespaces)
            guard !wanted.isEmpty else { throw .emptyTarget }
            let page = try pageToAcknowledge(wanted, at: occurredAt)
            let after = occurredAt.timeIntervalSince(page.pagedAt)
            if after < -storePrecision { throw .ackBeforePage(name: page.order.name, by: -after) }
            return .paging(.acknowledged(PageAck(contact: page.order.contact, name: page.order.name, role: page.order.role,
                                                 page: page.id, after: Int(max(0, after).rounded()))))
        }
    }

    /// A role's latest waiting page, or a contact's (matched by id or name) latest page.
    private func pageToAcknowledge(_ text: String, at occurredAt: Date) throws(PagingError) -> PageRecord {
        let role = Role.canonical(text)
        if paging.pages.contains(where: { $0.order.role == role }) {
            switch paging.status(ofRole: role, now: occurredAt) {
            case .awaiting(let page, _), .overdue(let page, _): return page
            case .engaged(let page): throw .alreadyAcknowledged(name: page.order.name)
            case .notPaged: break
            }
        }
        let lower = text.lowercased()
        let matching = paging.pages.filter { $0.order.contact.lowercased() == lower || $0.order.name.lowercased() == lower }
        guard let latest = matching.max(by: { ($0.pagedAt, $0.id) < ($1.pagedAt, $1.id) }) else { throw .notPaged(text, id) }
        if latest.isAcknowledged { throw .alreadyAcknowledged(name: latest.order.name) }
        return latest
    }
}

// MARK: - Timeline text and store columns

extension PagingEvent {
    /// The raw kind of each paging entry.
    public var kind: EventKind {
        switch self {
        case .paged: .page
        case .acknowledged: .ack
        }
    }

    /// One line a person reads on the timeline.
    public var summary: String {
        switch self {
        case .paged(let o):
            var s = "paged \(o.name)"
            if !o.roleAndTier.isEmpty { s += " (\(o.roleAndTier))" }
            s += " by \(o.via.rawValue) \(o.address)"
            if let contract = o.contract { s += ", contract \(contract)" }
            if o.attempt > 1 { s += ", attempt \(o.attempt)" }
            if let from = o.escalatesFromName { s += ", escalated: \(from) did not acknowledge" }
            return s + "; ack due within \(DurationText.short(TimeInterval(o.ackTimeout)))"
        case .acknowledged(let a):
            let role = a.role.map { " (\(Role.displayName($0)))" } ?? ""
            return "\(a.name)\(role) acknowledged the page, \(DurationText.short(TimeInterval(a.after))) after it went out"
        }
    }

    /// The event as store columns: name in `text`, contact id in `value`; a page's channel in `prior`, its address
    /// in `reason` and the escalated page in `ref`; an acknowledgement's page in `ref`. The rest goes to `extra`.
    public var columns: EventColumns {
        let kind = self.kind.rawValue
        switch self {
        case .paged(let o):
            var extra = ["timeout": String(o.ackTimeout), "attempt": String(o.attempt)]
            extra["role"] = o.role
            extra["tier"] = o.tier?.rawValue
            extra["from_name"] = o.escalatesFromName
            extra["contract"] = o.contract
            return EventColumns(kind: kind, text: o.name, value: o.contact, prior: o.via.rawValue, reason: o.address,
                                ref: o.escalatesFrom, extra: EventPayload.encode(extra))
        case .acknowledged(let a):
            var extra = ["after": String(a.after)]
            extra["role"] = a.role
            return EventColumns(kind: kind, text: a.name, value: a.contact, ref: a.page, extra: EventPayload.encode(extra))
        }
    }

    /// Rebuilds the event from store columns.
    public init(columns c: EventColumns) throws(EventDecodingError) {
        func fail(_ problem: String) -> EventDecodingError { EventDecodingError(kind: c.kind, problem: problem) }
        guard let name = c.text, let contact = c.value else { throw fail("no contact") }
        let extra = try EventPayload.decode(c.extra, fail)
        switch c.kind {
        case EventKind.page.rawValue:
            guard let via = c.prior.flatMap(PageChannel.init(rawValue:)), let address = c.reason else { throw fail("no channel") }
            guard let timeout = extra["timeout"].flatMap(Int.init), let attempt = extra["attempt"].flatMap(Int.init) else {
                throw fail("no acknowledgement timeout")
            }
            var tier: EscalationTier?
            if let raw = extra["tier"] {
                guard let t = EscalationTier(rawValue: raw) else { throw fail("bad tier") }
                tier = t
            }
            self = .paged(PageOrder(contact: contact, name: name, role: extra["role"], tier: tier, via: via, address: address,
                                    ackTimeout: timeout, attempt: attempt, escalatesFrom: c.ref,
                                    escalatesFromName: extra["from_name"], contract: extra["contract"]))
        case EventKind.ack.rawValue:
            guard let page = c.ref else { throw fail("no acknowledged page") }
            guard let after = extra["after"].flatMap(Int.init) else { throw fail("no response time") }
            self = .acknowledged(PageAck(contact: contact, name: name, role: extra["role"], page: page, after: after))
        default:
            throw fail("not a paging kind")
        }
    }
}

// MARK: - Pages sent through a webhook channel

extension IncidentState {
    /// An event's timeline line; outbox entries about a page say `page #N` rather than `update #N`.
    public func summary(of event: Event) -> String {
        if case .delivery(let delivery) = event.payload, paging.page(id: delivery.update) != nil {
            return delivery.summary(of: "page")
        }
        return event.payload.summary
    }

    /// The short message a webhook page carries:
    /// `[L1] INC-3 Storage offline — paging Sam Lee (dba, primary): please acknowledge (warroom ack dba)`.
    public func webhookPageMessage(_ order: PageOrder) -> String {
        let who = order.roleAndTier.isEmpty ? order.name : "\(order.name) (\(order.roleAndTier))"
        let ack = order.role.map { Role.canonical($0) } ?? order.contact
        let drill = isDrill ? "[DRILL] " : ""
        return "\(drill)[\(severity.rawValue)] \(id) \(title) — paging \(who): please acknowledge (warroom ack \(ack))"
    }
}
