import Foundation
import IncidentCore
import YAMLDiagnostics
import Yams

/// A problem in a contacts file, printed `path:line: message`.
public typealias ContactsProblem = FileProblem

/// What reading a workspace's contacts file came to.
public enum ContactsLoad: Sendable, Equatable {
    case loaded(ContactBook)
    /// There is no file at the path.
    case missing(path: String)
    /// The file exists but has problems; nothing from it is used.
    case invalid(path: String, problems: [ContactsProblem])
}

/// Reads and lints `contacts.yaml`: people, teams and vendor support desks, each role's escalation ladder,
/// and the roles each severity requires with its acknowledgement timeout. The format is in contacts.example.yaml.
public enum ContactsFile {
    /// The name the file has in a workspace.
    public static let fileName = "contacts.yaml"
    /// Contacts files are a few kilobytes; the caps keep hostile input from exhausting memory or the stack.
    static let maxBytes = 512 * 1024
    static let maxNesting = 32
    /// An acknowledgement timeout longer than a day is a typo, not a policy.
    static let maxTimeout = 24 * 3600

    static let sections = ["people", "teams", "vendors", "roles", "policies"]
    static let personFields = ["name", "role", "phone", "email", "chat", "webhook", "timezone"]
    static let vendorFields = ["name", "phone", "contract", "ticket_url", "email", "chat", "timezone"]
    static let roleFields = ["name"] + EscalationTier.allCases.map(\.rawValue)
    static let policyFields = ["engage", "ack_timeout"]

    /// The workspace's contacts file, read and checked. I/O happens here; the book is values.
    public static func load(workspace: URL) -> ContactsLoad {
        load(path: workspace.appendingPathComponent(fileName).path)
    }

    /// The file at `path`, read and checked.
    public static func load(path: String) -> ContactsLoad {
        guard FileManager.default.fileExists(atPath: path) else { return .missing(path: path) }
        guard let data = FileManager.default.contents(atPath: path) else {
            return .invalid(path: path, problems: [ContactsProblem(path: path, line: 1, message: "cannot read the file")])
        }
        guard data.count <= maxBytes else {
            return .invalid(path: path, problems: [ContactsProblem(path: path, line: 1, message: "the file is too long (over 512 KiB)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return .invalid(path: path, problems: [ContactsProblem(path: path, line: 1, message: "the file is not UTF-8 text")])
        }
        let (book, problems) = parse(text, path: path)
        if let book, problems.isEmpty { return .loaded(book) }
        return .invalid(path: path, problems: problems)
    }

    /// Parses the text of a contacts file. The book is returned only when there are no problems; problems are
    /// sorted by line.
    public static func parse(_ text: String, path: String) -> (book: ContactBook?, problems: [ContactsProblem]) {
        var reader = Reader(path: path)
        let book = reader.read(text)
        let problems = reader.problems.enumerated()
            .sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }
            .map(\.element)
        return (problems.isEmpty ? book : nil, problems)
    }
}

/// One pass over the YAML tree, collecting every problem rather than stopping at the first.
private struct Reader {
    let path: String
    var problems: [ContactsProblem] = []
    var lineCount = 1

    init(path: String) { self.path = path }

    mutating func report(_ line: Int, _ message: String) {
        problems.append(ContactsProblem(path: path, line: min(max(1, line), lineCount), message: message))
    }

    func line(_ node: Node?) -> Int { node?.mark?.line ?? 1 }

    mutating func read(_ text: String) -> ContactBook? {
        lineCount = max(1, text.split(separator: "\n", omittingEmptySubsequences: false).count)
        guard text.utf8.count <= ContactsFile.maxBytes else {
            report(1, "the file is too long (over 512 KiB)")
            return nil
        }
        if let deep = YAMLNesting.firstLineTooDeep(text, limit: ContactsFile.maxNesting) {
            report(deep, "the file is nested too deeply")
            return nil
        }
        let root: Node?
        do {
            root = try YAMLDiagnostics.compose(text, duplicateLine: { secondOccurrence(of: $0, from: $1, in: text) })
        } catch {
            report(error.line, "bad YAML: \(error.message)")
            return nil
        }
        guard let root, root.null == nil else {
            report(1, "the contacts file is empty: it needs people, roles and policies (see contacts.example.yaml)")
            return nil
        }
        guard let top = root.mapping else {
            report(line(root), "the contacts file must be YAML keys: \(ContactsFile.sections.joined(separator: ":, ")):")
            return nil
        }
        var sections: [String: (key: Node, value: Node)] = [:]
        for (key, value) in top {
            guard let name = key.scalar?.string, ContactsFile.sections.contains(name) else {
                report(line(key), "unknown key \(quote(key.scalar?.string ?? "?")) (known: \(ContactsFile.sections.joined(separator: ", ")))")
                continue
            }
            sections[name] = (key, value)
        }

        var contacts: [Contact] = []
        var contactLines: [String: Int] = [:]
        for (section, kind) in [("people", ContactKind.person), ("teams", .team), ("vendors", .vendor)] {
            guard let (key, value) = sections[section] else { continue }
            contacts += readContacts(value, kind: kind, sectionKey: key, seen: &contactLines)
        }
        let roles = sections["roles"].map { readRoles($0.value, key: $0.key, contacts: contacts) } ?? []
        var policies: [Severity: EngagementPolicy] = [:]
        if let (key, value) = sections["policies"] {
            policies = readPolicies(value, key: key, roles: roles)
        } else {
            report(1, "missing policies: say which roles to engage at each severity (see contacts.example.yaml)")
        }
        if sections["roles"] == nil, sections["policies"] != nil, policies.values.contains(where: { !$0.roles.isEmpty }) {
            report(1, "missing roles: the policies engage roles that are never defined")
        }
        return ContactBook(contacts: contacts, roles: roles, policies: policies, sourcePath: path)
    }

    // MARK: People, teams, vendors

    mutating func readContacts(_ node: Node, kind: ContactKind, sectionKey: Node, seen: inout [String: Int]) -> [Contact] {
        let section = sectionKey.scalar?.string ?? "people"
        if node.null != nil { return [] }
        guard let entries = node.mapping else {
            report(line(sectionKey), "\(section) must map ids to details, like sam: {name: Sam Lee, phone: \"+1 415 555 0101\"}")
            return []
        }
        var result: [Contact] = []
        for (idNode, details) in entries {
            let at = line(idNode)
            guard let id = idNode.scalar?.string.trimmingCharacters(in: .whitespaces), !id.isEmpty else {
                report(at, "\(section) ids must be single words, like sam")
                continue
            }
            if !isSlug(id) { report(at, "invalid id \(quote(id)): use lowercase letters, digits and dashes") }
            if let first = seen[id] {
                report(at, "duplicate contact id \(quote(id)) (first on line \(first))")
                continue
            }
            seen[id] = at
            var contact = Contact(id: id, name: id, kind: kind, line: at)
            guard let fields = details.mapping else {
                report(at, "\(id) must list details, like name:, phone:, chat:")
                // Kept so roles naming it do not report a second, misleading problem.
                result.append(contact)
                continue
            }
            let known = kind == .vendor ? ContactsFile.vendorFields : ContactsFile.personFields
            for (fieldNode, valueNode) in fields {
                let fieldLine = line(fieldNode)
                guard let field = fieldNode.scalar?.string else {
                    report(fieldLine, "fields of \(id) must be plain words")
                    continue
                }
                guard known.contains(field) else {
                    report(fieldLine, "unknown field \(quote(field)) for \(id) (known: \(known.joined(separator: ", ")))")
                    continue
                }
                guard let value = text(valueNode) else {
                    report(fieldLine, "\(field) for \(id) must be text")
                    continue
                }
                if value.isEmpty {
                    report(fieldLine, "empty \(field) for \(id)")
                    continue
                }
                switch field {
                case "name": contact.name = value
                case "role": contact.title = value
                case "phone":
                    if isPhone(value) { contact.phone = value } else {
                        report(fieldLine, "phone \(quote(value)) for \(id) is not a phone number (digits, spaces, +, -, ., parentheses)")
                    }
                case "email":
                    if isEmail(value) { contact.email = value } else { report(fieldLine, "email \(quote(value)) for \(id) is not an address like name@example.com") }
                case "chat": contact.chat = value
                case "timezone":
                    if TimeZone(identifier: value) != nil { contact.timeZone = value } else {
                        report(fieldLine, "unknown time zone \(quote(value)) for \(id): use an IANA name like Europe/Berlin")
                    }
                case "webhook":
                    // Only the channel's name: the URL (often a token) stays in warroom.yaml or the environment.
                    if value.contains("://") {
                        report(fieldLine, "webhook for \(id) names a channel of warroom.yaml, like pager-hook; the URL belongs there, not here")
                    } else {
                        contact.webhook = value
                    }
                case "contract": contact.contract = value
                case "ticket_url":
                    if value.hasPrefix("https://") || value.hasPrefix("http://"), URL(string: value)?.host != nil {
                        contact.ticketURL = value
                    } else {
                        report(fieldLine, "ticket_url for \(id) must be an http(s) address, like https://support.example.com/new")
                    }
                default: break
                }
            }
            let keys = Set(fields.keys.compactMap { $0.scalar?.string })
            if kind == .vendor {
                if !keys.contains("phone") { report(at, "vendor \(id) needs its contract phone (phone:)") }
                if !keys.contains("ticket_url") { report(at, "vendor \(id) needs a ticket_url: where to open a support ticket") }
            } else if !keys.contains("phone"), !keys.contains("chat"), !keys.contains("webhook") {
                report(at, "\(id) has no phone, chat or webhook: they could not be paged")
            }
            result.append(contact)
        }
        return result
    }

    // MARK: Roles

    mutating func readRoles(_ node: Node, key: Node, contacts: [Contact]) -> [EscalationRole] {
        if node.null != nil { return [] }
        guard let entries = node.mapping else {
            report(line(key), "roles must map role names to tiers, like dba: {primary: sam, secondary: priya}")
            return []
        }
        let byID = Dictionary(contacts.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var result: [EscalationRole] = []
        var seen: [String: Int] = [:]
        for (roleNode, details) in entries {
            let at = line(roleNode)
            guard let raw = roleNode.scalar?.string.trimmingCharacters(in: .whitespaces), !raw.isEmpty else {
                report(at, "role names must be single words, like dba")
                continue
            }
            if !isSlug(raw) { report(at, "invalid role \(quote(raw)): use lowercase letters, digits and dashes") }
            let id = Role.canonical(raw)
            if let first = seen[id] {
                report(at, "role \(quote(raw)) is defined twice (first on line \(first))")
                continue
            }
            seen[id] = at
            guard let fields = details.mapping else {
                report(at, "role \(raw) must list its tiers, like primary: sam")
                continue
            }
            var name: String?
            var tiers: [TierAssignment] = []
            for (fieldNode, valueNode) in fields {
                let fieldLine = line(fieldNode)
                guard let field = fieldNode.scalar?.string else {
                    report(fieldLine, "fields of role \(raw) must be plain words")
                    continue
                }
                guard let value = text(valueNode), !value.isEmpty else {
                    report(fieldLine, "\(field) of role \(raw) must name a contact")
                    continue
                }
                if field == "name" {
                    name = value
                    continue
                }
                guard let tier = EscalationTier(rawValue: field) else {
                    report(fieldLine, "unknown tier \(quote(field)) for role \(raw) (tiers: \(EscalationTier.spellings); or name:)")
                    continue
                }
                guard let contact = byID[value] else {
                    let section = tier == .vendor ? "vendors" : "people or teams"
                    report(fieldLine, "\(tier.rawValue) of role \(raw) is \(quote(value)), which is not in \(section)")
                    continue
                }
                if tier == .vendor, contact.kind != .vendor {
                    report(fieldLine, "vendor of role \(raw) is \(quote(value)), which is not in vendors")
                    continue
                }
                if tier != .vendor, contact.kind == .vendor {
                    report(fieldLine, "\(tier.rawValue) of role \(raw) is the vendor \(quote(value)); vendors belong in the vendor tier")
                    continue
                }
                tiers.append(TierAssignment(tier: tier, contact: value))
            }
            let named = Set(fields.keys.compactMap { $0.scalar?.string })
            if !named.contains(EscalationTier.primary.rawValue) {
                report(at, "role \(raw) has no primary: say who is paged first")
            }
            result.append(EscalationRole(id: id, name: name, tiers: tiers, line: at))
        }
        return result
    }

    // MARK: Policies

    mutating func readPolicies(_ node: Node, key: Node, roles: [EscalationRole]) -> [Severity: EngagementPolicy] {
        guard let entries = node.mapping else {
            report(line(key), "policies must map severities to roles, like L1: {engage: [ic, dba], ack_timeout: 5m}")
            return [:]
        }
        let known = Set(roles.map(\.id))
        var result: [Severity: EngagementPolicy] = [:]
        var seen: Set<Severity> = []
        for (levelNode, details) in entries {
            let at = line(levelNode)
            guard let raw = levelNode.scalar?.string, let severity = Severity(parsing: raw) else {
                report(at, "unknown severity \(quote(levelNode.scalar?.string ?? "?")) (use \(Severity.spellings))")
                continue
            }
            if seen.contains(severity) {
                report(at, "\(severity.rawValue) has two policies")
                continue
            }
            seen.insert(severity)
            guard let fields = details.mapping else {
                report(at, "the \(severity.rawValue) policy must list engage: [roles] and may set ack_timeout:")
                continue
            }
            var engaged: [String] = []
            var timeout = ContactBook.defaultAckTimeout
            var sawEngage = false
            for (fieldNode, valueNode) in fields {
                let fieldLine = line(fieldNode)
                let field = fieldNode.scalar?.string ?? "?"
                switch field {
                case "engage":
                    sawEngage = true
                    guard let items = list(valueNode) else {
                        report(fieldLine, "engage for \(severity.rawValue) must be a list of roles, like [ic, dba]")
                        continue
                    }
                    for item in items {
                        guard let name = text(item), !name.isEmpty else {
                            report(line(item), "engage for \(severity.rawValue) must be a list of roles, like [ic, dba]")
                            continue
                        }
                        let id = Role.canonical(name)
                        if !known.contains(id) {
                            report(line(item), "\(severity.rawValue) engages \(quote(name)), which is not in roles")
                        } else if engaged.contains(id) {
                            report(line(item), "\(severity.rawValue) lists \(quote(name)) twice")
                        } else {
                            engaged.append(id)
                        }
                    }
                case "ack_timeout":
                    guard let value = text(valueNode), let seconds = durationSeconds(value) else {
                        let got = text(valueNode).map { " (got \(quote($0)))" } ?? ""
                        report(fieldLine, "ack_timeout for \(severity.rawValue) must be a duration like 5m or 90s\(got)")
                        continue
                    }
                    guard seconds > 0, seconds <= ContactsFile.maxTimeout else {
                        report(fieldLine, "ack_timeout for \(severity.rawValue) must be more than 0 and at most 24h")
                        continue
                    }
                    timeout = .seconds(seconds)
                default:
                    report(fieldLine, "unknown field \(quote(field)) in the \(severity.rawValue) policy (known: \(ContactsFile.policyFields.joined(separator: ", ")))")
                }
            }
            if !sawEngage { report(at, "the \(severity.rawValue) policy has no engage: list the roles to page (engage: [] for none)") }
            result[severity] = EngagementPolicy(severity: severity, roles: engaged, ackTimeout: timeout)
        }
        for severity in Severity.allCases where !seen.contains(severity) {
            report(line(key), "no policy for \(severity.rawValue): say which roles to engage (engage: [] for none)")
        }
        return result
    }

    // MARK: Values

    /// A scalar's text, trimmed; "" for an explicit null; nil for a list or mapping.
    func text(_ node: Node) -> String? {
        if node.null != nil { return "" }
        return node.scalar?.string.trimmingCharacters(in: .whitespaces)
    }

    /// A sequence's items; a lone scalar counts as a list of one.
    func list(_ node: Node) -> [Node]? {
        if node.null != nil { return [] }
        if let sequence = node.sequence { return Array(sequence) }
        if node.scalar != nil { return [node] }
        return nil
    }

    func isPhone(_ text: String) -> Bool {
        let allowed = Set("0123456789+-(). ")
        let digits = text.filter(\.isNumber).count
        return text.allSatisfy { allowed.contains($0) } && digits >= 3 && digits <= 20
    }

    func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !text.contains(" ")
    }

    /// `5m`, `90s`, `1h`, `2m30s`, or a bare number of minutes.
    func durationSeconds(_ text: String) -> Int? {
        let t = text.lowercased().replacingOccurrences(of: " ", with: "")
        if !t.isEmpty, t.count <= 6, t.allSatisfy({ $0.isASCII && $0.isNumber }) { return Int(t).map { $0 * 60 } }
        var total = 0
        var number = ""
        var sawUnit = false
        for c in t {
            if c.isASCII && c.isNumber {
                number.append(c)
                guard number.count <= 6 else { return nil }
                continue
            }
            guard let n = Int(number) else { return nil }
            switch c {
            case "h": total += n * 3600
            case "m": total += n * 60
            case "s": total += n
            default: return nil
            }
            number = ""
            sawUnit = true
        }
        return number.isEmpty && sawUnit ? total : nil
    }
}

/// Yams marks a duplicate key at the start of its mapping; the line worth fixing is the key's second
/// appearance at the mapping's indentation.
private func secondOccurrence(of key: String, from mark: Mark, in text: String) -> Int? {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    guard !key.isEmpty, mark.line >= 1, mark.line <= lines.count else { return nil }
    let indent = String(repeating: " ", count: max(0, mark.column - 1))
    var seen = 0
    for (offset, line) in lines.dropFirst(mark.line - 1).enumerated() {
        let trimmed = line.drop { $0 == " " }
        if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
        // A line indented less than the mapping ends it.
        guard line.hasPrefix(indent) else { break }
        let rest = line.dropFirst(indent.count)
        if rest.first == " " { continue }
        if rest.hasPrefix(key + ":") || rest.hasPrefix("\"\(key)\":") {
            seen += 1
            if seen == 2 { return mark.line + offset }
        }
    }
    return nil
}

/// `storage-oncall`: lowercase ASCII letters and digits in dash-separated words.
func isSlug(_ text: String) -> Bool {
    guard let first = text.first, first != "-", text.last != "-" else { return false }
    return text.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
}

