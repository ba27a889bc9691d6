import ContactsKit
import Foundation
import IncidentCore
import Testing

/// A small valid file; the table below breaks it one way at a time.
private let valid = """
    people:
      sam:
        name: Sam Lee
        role: Storage engineer
        phone: "+46 8 555 010 22"
        email: sam@example.com
        chat: "@sam"
        timezone: Europe/Stockholm
    teams:
      storage-oncall:
        name: Storage on-call
        chat: "#storage-oncall"
    vendors:
      acme:
        name: Acme support
        phone: "+1 800 555 0199"
        contract: AC-77
        ticket_url: https://acme.example/new
    roles:
      storage:
        primary: sam
        secondary: storage-oncall
        vendor: acme
    policies:
      L1:
        engage: [storage]
        ack_timeout: 3m
      L2:
        engage: [storage]
      L3:
        engage: [storage]
        ack_timeout: 15m
      L4:
        engage: []
    """

/// Replaces the first occurrence of `old` in the valid file.
private func broken(_ old: String, _ new: String) -> String {
    precondition(valid.contains(old), "fixture does not contain \(old)")
    return valid.replacingOccurrences(of: old, with: new, options: [], range: valid.range(of: old))
}

struct ContactsLintTests {
    @Test func theValidFileReadsIntoABook() throws {
        let (book, problems) = ContactsFile.parse(valid, path: "contacts.yaml")
        #expect(problems.isEmpty, "\(problems)")
        let b = try #require(book)
        #expect(b.contacts.map(\.id) == ["sam", "storage-oncall", "acme"])
        #expect(b.contacts.map(\.kind) == [.person, .team, .vendor])
        #expect(b.contact(id: "sam") == Contact(id: "sam", name: "Sam Lee", title: "Storage engineer", phone: "+46 8 555 010 22",
                                                email: "sam@example.com", chat: "@sam", timeZone: "Europe/Stockholm", line: 2))
        #expect(b.contact(id: "acme")?.contract == "AC-77" && b.contact(id: "acme")?.ticketURL == "https://acme.example/new")
        #expect(b.role(id: "storage")?.tiers == [
            TierAssignment(tier: .primary, contact: "sam"), TierAssignment(tier: .secondary, contact: "storage-oncall"),
            TierAssignment(tier: .vendor, contact: "acme"),
        ])
        #expect(b.policy(for: .l1).ackTimeout == .seconds(180))
        #expect(b.policy(for: .l2).ackTimeout == ContactBook.defaultAckTimeout)
        #expect(b.policy(for: .l3).ackTimeout == .seconds(900))
        #expect(b.policy(for: .l4).roles.isEmpty)
        #expect(b.policy(for: .l1).roles == ["storage"])
    }

    @Test func aWebhookNamesAChannelAndMakesAContactPageable() throws {
        // A team reachable only through its webhook channel is pageable: no "could not be paged" problem.
        let text = broken("    chat: \"#storage-oncall\"\n", "    webhook: storage-hook\n")
        let (book, problems) = ContactsFile.parse(text, path: "c.yaml")
        #expect(problems.isEmpty, "\(problems)")
        let team = try #require(book?.contact(id: "storage-oncall"))
        #expect(team.webhook == "storage-hook")
        #expect(team.address(for: .webhook) == "storage-hook")
        #expect(team.defaultChannel == nil)
        #expect(book?.contact(id: "sam")?.webhook == nil)
    }

    @Test func theShippedExampleIsCleanAndIsWhatTheDemoWrites() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let shipped = try String(contentsOf: repo.appendingPathComponent("contacts.example.yaml"), encoding: .utf8)
        #expect(shipped == ContactsExample.yaml, "contacts.example.yaml and ContactsExample.yaml must stay identical")
        let (book, problems) = ContactsFile.parse(shipped, path: "contacts.example.yaml")
        #expect(problems.isEmpty, "\(problems)")
        let b = try #require(book)
        #expect(b.policy(for: .l1).roles == ["ic", "tech-lead", "comms", "exec"])
        #expect(b.policy(for: .l2).roles == ["ic", "tech-lead", "comms"])
        #expect(b.role(id: "storage")?.tiers.map(\.tier) == [.primary, .secondary, .manager, .vendor])
        let reachable = b.contacts.allSatisfy { $0.defaultChannel != nil }
        #expect(reachable)
    }

    @Test(arguments: [
        // YAML itself
        ("", "c.yaml:1: the contacts file is empty: it needs people, roles and policies (see contacts.example.yaml)"),
        ("- just\n- a list\n", "c.yaml:1: the contacts file must be YAML keys: people:, teams:, vendors:, roles:, policies:"),
        (broken("    name: Sam Lee\n", "    name: Sam Lee\n\tphone: 1\n"), "c.yaml:4: bad YAML: tab character: indent YAML with spaces"),
        (broken("name: Sam Lee", "name: Sam: Lee"), "c.yaml:3: bad YAML: a value contains \": \"; put the value in quotes"),
        (broken("engage: [storage]\n    ack_timeout: 3m", "engage: [storage\n    ack_timeout: 3m"),
         "c.yaml:27: bad YAML: did not find expected ',' or ']' (while parsing a flow sequence that starts on line 26)"),
        (broken("    name: Sam Lee\n", "    name: Sam Lee\n    name: Samuel\n"), "c.yaml:4: bad YAML: duplicate key \"name\""),
        // Top level
        (valid + "\nescalation: yes\n", "c.yaml:35: unknown key \"escalation\" (known: people, teams, vendors, roles, policies)"),
        ("people: [sam]\npolicies:\n  L1: {engage: []}\n  L2: {engage: []}\n  L3: {engage: []}\n  L4: {engage: []}\n", "c.yaml:1: people must map ids to details, like sam: {name: Sam Lee, phone: \"+1 415 555 0101\"}"),
        // Contacts
        (broken("teams:\n", "  Bob:\n    chat: \"@bob\"\nteams:\n"), "c.yaml:9: invalid id \"Bob\": use lowercase letters, digits and dashes"),
        (broken("teams:\n", "teams:\n  sam:\n    chat: \"@s\"\n"), "c.yaml:10: duplicate contact id \"sam\" (first on line 2)"),
        (broken("    role: Storage engineer\n", "    pager: 555\n"), "c.yaml:4: unknown field \"pager\" for sam (known: name, role, phone, email, chat, webhook, timezone)"),
        (broken("    role: Storage engineer\n", "    webhook: \"\"\n"), "c.yaml:4: empty webhook for sam"),
        (broken("    role: Storage engineer\n", "    webhook: https://hooks.example/T0/secret\n"),
         "c.yaml:4: webhook for sam names a channel of warroom.yaml, like pager-hook; the URL belongs there, not here"),
        (broken("    role: Storage engineer\n", "    webhook: [a]\n"), "c.yaml:4: webhook for sam must be text"),
        (broken("phone: \"+46 8 555 010 22\"", "phone: call sam"), "c.yaml:5: phone \"call sam\" for sam is not a phone number (digits, spaces, +, -, ., parentheses)"),
        (broken("email: sam@example.com", "email: sam.example.com"), "c.yaml:6: email \"sam.example.com\" for sam is not an address like name@example.com"),
        (broken("timezone: Europe/Stockholm", "timezone: Mars/Olympus"), "c.yaml:8: unknown time zone \"Mars/Olympus\" for sam: use an IANA name like Europe/Berlin"),
        (broken("chat: \"@sam\"", "chat: [\"@sam\"]"), "c.yaml:7: chat for sam must be text"),
        (broken("    chat: \"#storage-oncall\"\n", "    email: so@example.com\n"), "c.yaml:10: storage-oncall has no phone, chat or webhook: they could not be paged"),
        (broken("    phone: \"+1 800 555 0199\"\n", ""), "c.yaml:14: vendor acme needs its contract phone (phone:)"),
        (broken("ticket_url: https://acme.example/new", "ticket_url: acme.example/new"),
         "c.yaml:18: ticket_url for acme must be an http(s) address, like https://support.example.com/new"),
        (broken("  sam:\n    name: Sam Lee", "  sam: Sam Lee\n  x:\n    name: Sam Lee"), "c.yaml:2: sam must list details, like name:, phone:, chat:"),
        // Roles
        (broken("    primary: sam\n", "    primary: sammy\n"), "c.yaml:21: primary of role storage is \"sammy\", which is not in people or teams"),
        (broken("    vendor: acme\n", "    vendor: sam\n"), "c.yaml:23: vendor of role storage is \"sam\", which is not in vendors"),
        (broken("    secondary: storage-oncall\n", "    secondary: acme\n"),
         "c.yaml:22: secondary of role storage is the vendor \"acme\"; vendors belong in the vendor tier"),
        (broken("  storage:\n    primary", "  Storage:\n    primary"), "c.yaml:20: invalid role \"Storage\": use lowercase letters, digits and dashes"),
        // Policies
        (broken("    engage: [storage]\n    ack_timeout: 3m", "    engage: [storage, dba]\n    ack_timeout: 3m"), "c.yaml:26: L1 engages \"dba\", which is not in roles"),
        (broken("    engage: [storage]\n    ack_timeout: 3m", "    engage: [storage, storage]\n    ack_timeout: 3m"), "c.yaml:26: L1 lists \"storage\" twice"),
        (broken("ack_timeout: 3m", "ack_timeout: soon"), "c.yaml:27: ack_timeout for L1 must be a duration like 5m or 90s (got \"soon\")"),
        (broken("ack_timeout: 3m", "ack_timeout: 0s"), "c.yaml:27: ack_timeout for L1 must be more than 0 and at most 24h"),
        (broken("ack_timeout: 3m", "ack_timeout: 25h"), "c.yaml:27: ack_timeout for L1 must be more than 0 and at most 24h"),
        (broken("ack_timeout: 3m", "ack_tmeout: 3m"), "c.yaml:27: unknown field \"ack_tmeout\" in the L1 policy (known: engage, ack_timeout)"),
        (broken("  L2:\n    engage: [storage]\n", "  L2:\n    ack_timeout: 2m\n"),
         "c.yaml:28: the L2 policy has no engage: list the roles to page (engage: [] for none)"),
        (broken("    engage: [storage]\n    ack_timeout: 3m", "    engage: {storage: yes}\n    ack_timeout: 3m"),
         "c.yaml:26: engage for L1 must be a list of roles, like [ic, dba]"),
    ])
    func malformedFilesAreReportedAtTheirLine(_ text: String, _ expected: String) {
        let (book, problems) = ContactsFile.parse(text, path: "c.yaml")
        #expect(problems.map(\.description) == [expected])
        #expect(book == nil, "a file with problems yields no book")
    }

    @Test func everyProblemIsReportedInLineOrder() {
        let text = broken("phone: \"+46 8 555 010 22\"", "phone: nope")
            .replacingOccurrences(of: "ack_timeout: 15m", with: "ack_timeout: later")
            .replacingOccurrences(of: "    primary: sam\n", with: "    primary: ghost\n")
        let (_, problems) = ContactsFile.parse(text, path: "x.yaml")
        #expect(problems.map(\.line) == [5, 21, 32])
    }

    @Test func anUnknownTierOrSeverityAlsoSaysWhatIsMissing() {
        let tier = ContactsFile.parse(broken("    primary: sam\n", "    tertiary: sam\n"), path: "c.yaml").problems
        #expect(tier.map(\.description) == [
            "c.yaml:20: role storage has no primary: say who is paged first",
            "c.yaml:21: unknown tier \"tertiary\" for role storage (tiers: primary, secondary, manager, vendor; or name:)",
        ])
        let level = ContactsFile.parse(broken("  L1:\n    engage: [storage]", "  P1:\n    engage: [storage]"), path: "c.yaml").problems
        #expect(level.map(\.description) == [
            "c.yaml:24: no policy for L1: say which roles to engage (engage: [] for none)",
            "c.yaml:25: unknown severity \"P1\" (use L1, L2, L3, L4)",
        ])
    }

    @Test func missingPoliciesAndRolesAreNamed() {
        let (_, problems) = ContactsFile.parse("people:\n  sam:\n    phone: \"1234\"\n", path: "c.yaml")
        #expect(problems.map(\.description) == [
            "c.yaml:1: missing policies: say which roles to engage at each severity (see contacts.example.yaml)",
        ])
    }

    @Test func loadingAWorkspaceReportsAMissingOrBrokenFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("contacts-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("contacts.yaml").path
        #expect(ContactsFile.load(workspace: dir) == .missing(path: path))
        try "people: [".write(toFile: path, atomically: true, encoding: .utf8)
        guard case .invalid(let p, let problems) = ContactsFile.load(workspace: dir) else {
            Issue.record("a broken file must be invalid")
            return
        }
        #expect(p == path && problems.count == 1 && problems[0].path == path)
        try valid.write(toFile: path, atomically: true, encoding: .utf8)
        guard case .loaded(let book) = ContactsFile.load(workspace: dir) else {
            Issue.record("the valid file must load")
            return
        }
        #expect(book.sourcePath == path)
        try Data([0xFF, 0xFE, 0x00]).write(to: URL(fileURLWithPath: path))
        #expect(ContactsFile.load(workspace: dir) == .invalid(path: path, problems: [ContactsProblem(path: path, line: 1, message: "the file is not UTF-8 text")]))
    }

    @Test func hostileInputIsCutOffWithAMessage() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(ContactsFile.parse("people: " + deep, path: "c.yaml").problems.map(\.description) == ["c.yaml:1: the file is nested too deeply"])
        let long = String(repeating: "# filler line\n", count: 40_000)
        #expect(ContactsFile.parse(long, path: "c.yaml").problems.map(\.description) == ["c.yaml:1: the file is too long (over 512 KiB)"])
    }
}
