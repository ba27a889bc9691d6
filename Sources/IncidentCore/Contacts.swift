import Foundation

/// How a page reaches someone.
public enum PageChannel: String, Sendable, CaseIterable, Codable, Hashable {
    case phone, chat, webhook

    /// The accepted spellings, for error messages.
    public static let spellings = allCases.map(\.rawValue).joined(separator: ", ")
}

/// What kind of entry of the contacts file a contact is.
public enum ContactKind: String, Sendable, Codable, Hashable {
    case person, team, vendor
}

/// Someone who can be paged: a person, a team's on-call line, or a vendor's support desk.
/// Values only; ContactsKit reads and lints `contacts.yaml`.
public struct Contact: Sendable, Equatable, Hashable, Identifiable {
    /// The key in the contacts file; lowercase letters, digits and dashes.
    public var id: String
    public var name: String
    public var kind: ContactKind
    /// What they do ("Storage engineer"), shown beside the name.
    public var title: String?
    public var phone: String?
    public var email: String?
    public var chat: String?
    /// An IANA zone name (`Europe/Berlin`): whoever pages can see it is 03:00 where the contact is.
    public var timeZone: String?
    /// Vendor support: the support contract to quote on the call.
    public var contract: String?
    /// Vendor support: where to open a ticket.
    public var ticketURL: String?
    /// The name of a channel in `warroom.yaml` that pages reach them through; the URL stays in that file.
    public var webhook: String?
    /// The line of the file it was read from (0 when built in code).
    public var line: Int

    public init(id: String, name: String, kind: ContactKind = .person, title: String? = nil, phone: String? = nil,
                email: String? = nil, chat: String? = nil, timeZone: String? = nil, contract: String? = nil,
                ticketURL: String? = nil, webhook: String? = nil, line: Int = 0) {
        self.id = id
        self.name = name
        self.kind = kind
        self.title = title
        self.phone = phone
        self.email = email
        self.chat = chat
        self.timeZone = timeZone
        self.contract = contract
        self.ticketURL = ticketURL
        self.webhook = webhook
        self.line = line
    }

    /// The number, handle or webhook channel name to use on a channel; `nil` when the file gives none.
    public func address(for channel: PageChannel) -> String? {
        switch channel {
        case .phone: phone
        case .chat: chat
        case .webhook: webhook
        }
    }

    /// The channel a page uses when none is asked for: the phone when there is a number, else chat.
    public var defaultChannel: PageChannel? {
        if phone != nil { return .phone }
        if chat != nil { return .chat }
        return nil
    }

    /// The contact's local time zone, when the file names a valid one.
    public var zone: TimeZone? { timeZone.flatMap(TimeZone.init(identifier:)) }
}

/// The rungs of an escalation ladder, in the order they are climbed.
public enum EscalationTier: String, Sendable, CaseIterable, Codable, Hashable, Comparable {
    case primary, secondary, manager, vendor

    public static func < (a: EscalationTier, b: EscalationTier) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// The accepted spellings, for error messages.
    public static let spellings = allCases.map(\.rawValue).joined(separator: ", ")
}

/// One rung of a role's ladder: who answers at that tier.
public struct TierAssignment: Sendable, Equatable, Hashable {
    public var tier: EscalationTier
    /// A contact id.
    public var contact: String

    public init(tier: EscalationTier, contact: String) {
        self.tier = tier
        self.contact = contact
    }
}

/// A role that may have to be engaged (`dba`, `ic`, `exec`) and its escalation ladder.
public struct EscalationRole: Sendable, Equatable, Hashable, Identifiable {
    /// Canonical role key (`Role.canonical`), so `commander` in the file and `/page IC` meet.
    public var id: String
    public var name: String
    /// In escalation order; the first is the primary.
    public var tiers: [TierAssignment]
    public var line: Int

    public init(id: String, name: String? = nil, tiers: [TierAssignment], line: Int = 0) {
        self.id = Role.canonical(id)
        self.name = name ?? Role.displayName(Role.canonical(id))
        self.tiers = tiers.sorted { $0.tier < $1.tier }
        self.line = line
    }

    /// Who answers at a tier.
    public func contact(at tier: EscalationTier) -> String? { tiers.first { $0.tier == tier }?.contact }

    /// The rung after `tier`; the first rung when `tier` is `nil`.
    public func tier(after tier: EscalationTier?) -> TierAssignment? {
        guard let tier else { return tiers.first }
        return tiers.first { $0.tier > tier }
    }
}

/// Which roles must be engaged at one severity and how long a page may wait for its acknowledgement.
public struct EngagementPolicy: Sendable, Equatable, Hashable {
    public var severity: Severity
    /// Canonical role keys, in the file's order.
    public var roles: [String]
    public var ackTimeout: Duration

    public init(severity: Severity, roles: [String], ackTimeout: Duration = ContactBook.defaultAckTimeout) {
        self.severity = severity
        self.roles = roles.map(Role.canonical)
        self.ackTimeout = ackTimeout
    }
}

/// The contacts file as values: who can be paged, the ladder of each role, and what each severity requires.
public struct ContactBook: Sendable, Equatable {
    /// Five minutes: the product default for an acknowledgement.
    public static let defaultAckTimeout = Duration.seconds(5 * 60)

    /// People, then teams, then vendors, each in file order.
    public var contacts: [Contact]
    /// In file order.
    public var roles: [EscalationRole]
    public var policies: [Severity: EngagementPolicy]
    /// The file it was read from, as given; `nil` when built in code.
    public var sourcePath: String?

    public init(contacts: [Contact], roles: [EscalationRole], policies: [Severity: EngagementPolicy], sourcePath: String? = nil) {
        self.contacts = contacts
        self.roles = roles
        self.policies = policies
        self.sourcePath = sourcePath
    }

    public func contact(id: String) -> Contact? { contacts.first { $0.id == id } }

    public func role(id: String) -> EscalationRole? {
        let key = Role.canonical(id)
        return roles.first { $0.id == key }
    }

    /// The policy for a severity; a severity the file leaves out requires nobody and uses the default timeout.
    public func policy(for severity: Severity) -> EngagementPolicy {
        policies[severity] ?? EngagementPolicy(severity: severity, roles: [])
    }

    /// The roles (and tiers) a contact answers for, in file order.
    public func assignments(of contactID: String) -> [(role: EscalationRole, tier: EscalationTier)] {
        roles.flatMap { role in role.tiers.filter { $0.contact == contactID }.map { (role, $0.tier) } }
    }

    /// What a person typed after `page` or `ack`.
    public enum Target: Sendable, Equatable {
        case role(EscalationRole)
        case contact(Contact)
    }

    /// Resolves `ROLE|NAME`: a role key first, then a contact id, then a contact's name, all case-insensitive.
    public func resolve(_ text: String) -> [Target] {
        let wanted = text.trimmingCharacters(in: .whitespaces)
        guard !wanted.isEmpty else { return [] }
        if let role = role(id: wanted) { return [.role(role)] }
        let lower = wanted.lowercased()
        if let byID = contacts.first(where: { $0.id.lowercased() == lower }) { return [.contact(byID)] }
        let byName = contacts.filter { $0.name.lowercased() == lower }
        if !byName.isEmpty { return byName.map(Target.contact) }
        return contacts.filter { $0.name.lowercased().split(separator: " ").first.map(String.init) == lower }.map(Target.contact)
    }
}
