import Foundation
import IncidentCore
import Testing
@testable import Console

/// A book for the console tests: L1 needs ic, dba and comms within 5 minutes; dba climbs sam → priya → lee.
private let book = ContactBook(
    contacts: [
        Contact(id: "maria", name: "Maria Okafor", phone: "+1 415 555 0101"),
        Contact(id: "sam", name: "Sam Lee", phone: "+46 8 555 010 22", timeZone: "Europe/Stockholm"),
        Contact(id: "priya", name: "Priya Raman", chat: "@priya"),
        Contact(id: "lee", name: "Lee Adeyemi", phone: "+44 20 5550 1006"),
        Contact(id: "chen", name: "Chen Wei", phone: "+86 10 5550 1004"),
    ],
    roles: [
        EscalationRole(id: "ic", tiers: [TierAssignment(tier: .primary, contact: "maria")]),
        EscalationRole(id: "dba", tiers: [
            TierAssignment(tier: .primary, contact: "sam"), TierAssignment(tier: .secondary, contact: "priya"),
            TierAssignment(tier: .manager, contact: "lee"),
        ]),
        EscalationRole(id: "comms", tiers: [TierAssignment(tier: .primary, contact: "chen")]),
    ],
    policies: [
        .l1: EngagementPolicy(severity: .l1, roles: ["ic", "dba", "comms"]),
        .l2: EngagementPolicy(severity: .l2, roles: ["ic", "dba"], ackTimeout: .seconds(600)),
    ])

/// An L1 incident declared at 14:00, shown at 14:10 with the book loaded.
private func paging(width: Int = 80, height: Int = 24, now: Date = minute(10), severity: Severity = .l1) -> ConsoleModel {
    var model = console([declared(severity: severity)], width: width, height: height, now: now)
    _ = model.update(.contacts(.loaded(book)))
    return model
}

/// The inside of the contacts pane, row by row.
private func pane(_ model: ConsoleModel) -> [String] {
    let buffer = model.render()
    let rect = ConsoleLayout(width: model.width, height: model.height)!.contacts.inset(1)
    return (rect.y..<rect.maxY).map { y in
        String(buffer.line(y).dropFirst(rect.x).prefix(rect.width)).trimmingCharacters(in: .whitespaces)
    }
}

extension ConsoleModel {
    /// Applies the effect the runner would store, as the event it becomes.
    mutating func store(_ effects: [ConsoleEffect], at date: Date) throws {
        for case .record(let id, let command, let occurredAt) in effects {
            let state = incidents[id]!.state
            let payload = try state.decide(command, at: occurredAt, now: date)
            _ = update(.appended([event(state.lastEventID + 1, payload, at: occurredAt, recorded: date, by: actor, incident: id)]))
        }
    }

    mutating func focusContacts() {
        while focus != .contacts { press(.tab) }
    }
}

@Suite struct ContactsPaneTests {
    @Test func theEmptyStatesSayWhy() {
        var model = console([declared(severity: .l1)])
        #expect(pane(model)[0] == "No contacts loaded.")
        _ = model.update(.contacts(.absent("No contacts.yaml in the workspace; see contacts.example.yaml.")))
        #expect(pane(model).prefix(3).joined(separator: " ") == "No contacts.yaml in the workspace; see contacts.example.yaml.")
        _ = model.update(.contacts(.invalid("contacts.yaml has 2 problems")))
        #expect(pane(model)[0] == "contacts.yaml has 2")
        #expect(model.notice == ConsoleNotice(text: "contacts.yaml has 2 problems", isError: true))
    }

    @Test func aContactsFileReadAgainIsAnnouncedOnlyWhenItChanged() {
        var model = console([declared(severity: .l1)])
        _ = model.update(.contacts(.loaded(book)))
        #expect(model.notice == nil, "the first read is not news")
        _ = model.update(.contacts(.loaded(book)))
        #expect(model.notice == nil, "the same contacts again are not news")
        var edited = book
        edited.contacts.removeLast()
        _ = model.update(.contacts(.loaded(edited)))
        let contacts = edited.contacts.count == 1 ? "1 contact" : "\(edited.contacts.count) contacts"
        #expect(model.notice?.text.hasPrefix("contacts.yaml changed: \(contacts),") == true, "\(String(describing: model.notice))")
        _ = model.update(.contacts(.absent("No contacts.yaml in the workspace; see contacts.example.yaml.")))
        #expect(model.notice == ConsoleNotice(text: "contacts.yaml is gone: no contacts loaded", isError: false))
    }

    @Test func anL1IncidentListsItsRequiredRolesAsMissingAndTheNumberToDial() {
        let model = paging()
        #expect(pane(model) == [
            "L1 0/3 engaged",
            "ic             missing",
            "dba            missing",
            "comms          missing",
            "p → Maria Okafor ☎ +1…",
            "primary",
        ])
        // Wider terminals show who each role reaches.
        let wide = paging(width: 120, height: 30)
        #expect(pane(wide)[2].hasPrefix("dba   Sam Lee"))
        #expect(pane(wide)[2].hasSuffix("missing"))
    }

    @Test func slashPageAsksWithTheNumberAndRecordsOnlyOnYes() throws {
        var model = paging()
        #expect(model.submit("/page dba").isEmpty, "nothing is recorded before the commander confirms")
        let prompt = model.lines.suffix(5).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        #expect(prompt.contains("Page Sam Lee (dba, primary): call +46 8 555 010 22"))
        #expect(prompt.contains("15:10 their time"), "the contact's local time when it differs")
        #expect(prompt.contains("Record the page? y/n"))
        #expect(model.press(.char("n")).isEmpty)
        #expect(model.notice?.text == "not paged")

        _ = model.submit("/page dba")
        let effects = model.press(.char("y"))
        let order = PageOrder(contact: "sam", name: "Sam Lee", role: "dba", tier: .primary, via: .phone,
                              address: "+46 8 555 010 22", ackTimeout: 300)
        #expect(effects == [.record("INC-1", .paging(.page(order)), occurredAt: minute(10))])
        try model.store(effects, at: minute(10))
        #expect(pane(model)[2] == "dba           ack 5:00")
        _ = model.update(.tick(minute(12.5)))
        #expect(pane(model)[2] == "dba           ack 2:30")
    }

    @Test func aMissedAckIsFlaggedOnceWithTheNextTierAndPPagesIt() throws {
        var model = paging()
        _ = model.submit("/page dba")
        try model.store(model.press(.char("y")), at: minute(10))
        _ = model.update(.tick(minute(15.5)))
        #expect(pane(model)[2] == "dba          LATE 0:30")
        #expect(model.notice == ConsoleNotice(
            text: "No ack from Sam Lee (dba) within 5m 00s: escalate to Priya Raman (secondary) — /page dba, or p in Contacts",
            isError: true))
        model.notice = nil
        _ = model.update(.tick(minute(16)))
        #expect(model.notice == nil, "said once")

        model.focusContacts()
        model.press(.char("j"))
        #expect(pane(model)[4].hasPrefix("p → Priya Raman"))
        #expect(model.press(.char("p")).isEmpty)
        let effects = model.press(.char("y"))
        guard case .record(_, .paging(.page(let order)), _)? = effects.first else {
            Issue.record("p then y must record a page: \(effects)")
            return
        }
        #expect(order.contact == "priya" && order.via == .chat && order.escalatesFrom == 2 && order.tier == .secondary)
        try model.store(effects, at: minute(16))
        #expect(pane(model)[2] == "dba           ack 5:00")

        // `a` on the selected role acknowledges its latest page.
        let ack = model.press(.char("a"))
        #expect(ack == [.record("INC-1", .paging(.acknowledge("dba")), occurredAt: minute(16))])
        try model.store(ack, at: minute(16))
        #expect(pane(model)[0] == "L1 1/3 engaged")
        #expect(pane(model)[2] == "dba            ✓ 14:16")
        #expect(model.press(.char("a")).isEmpty)
        #expect(model.notice?.text == "Priya Raman has already acknowledged; nothing is waiting for an answer")
    }

    @Test func aDrillSaysNotToReallyCall() {
        var model = console([declared(severity: .l1, drill: true)])
        _ = model.update(.contacts(.loaded(book)))
        _ = model.submit("/page dba")
        let prompt = model.lines.suffix(5).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        #expect(prompt.contains("DRILL, do not really call. Page Sam Lee (dba, primary)"))
    }

    @Test func aWebhookPageNamesTheChannelAndGoesToTheRunnerOnConfirmation() {
        var contacts = book.contacts
        contacts[contacts.firstIndex { $0.id == "lee" }!].webhook = "mgr-pager"
        var model = console([declared(severity: .l1)])
        _ = model.update(.contacts(.loaded(ContactBook(contacts: contacts, roles: book.roles, policies: book.policies))))
        #expect(model.submit("/page lee --via webhook").isEmpty, "nothing is recorded before the commander confirms")
        let prompt = model.lines.suffix(5).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        #expect(prompt.contains("Page Lee Adeyemi (dba, manager): send the page through webhook channel mgr-pager"), "\(prompt)")
        let effects = model.press(.char("y"))
        guard case .record("INC-1", .paging(.page(let order)), _)? = effects.first else {
            Issue.record("confirming should record the page: \(effects)")
            return
        }
        // The runner records it with its outbox delivery; the channel is named, never addressed.
        #expect(order.via == .webhook && order.address == "mgr-pager")
        #expect(model.notice?.text.hasPrefix("paged Lee Adeyemi by webhook mgr-pager") == true)
    }

    @Test func refusalsStayOnTheMessageLine() {
        var model = paging()
        #expect(model.submit("/page sam --via webhook").isEmpty)
        #expect(model.notice?.text.hasPrefix("Sam Lee has no webhook channel in the contacts file") == true)
        model.editor.clear()
        #expect(model.submit("/page nobody").isEmpty)
        #expect(model.notice?.text.hasPrefix("no role or contact \"nobody\"") == true)
        model.editor.clear()
        #expect(model.submit("/page sam --via fax").isEmpty)
        #expect(model.notice?.text == "--via needs a channel (phone, chat, webhook): /page ROLE|NAME [--via phone|chat|webhook]")
        model.editor.clear()
        #expect(model.submit("/ack dba").isEmpty)
        #expect(model.notice?.text == "nobody matching \"dba\" has been paged on INC-1; page them first")
        var bare = console([declared(severity: .l1)])
        #expect(bare.submit("/page dba").isEmpty)
        #expect(bare.notice?.text == "no contacts loaded")
    }

    @Test func slashAckAndBackdatedPagesRecordAtTheirTime() throws {
        var model = paging()
        _ = model.submit("/at 14:05 /page dba")
        let effects = model.press(.char("y"))
        guard case .record(_, _, let at)? = effects.first else {
            Issue.record("no page recorded")
            return
        }
        #expect(at == minute(5))
        try model.store(effects, at: minute(10))
        #expect(pane(model)[2] == "dba          LATE 0:00", "paged at 14:05 with five minutes: due now")
        #expect(model.submit("/ack Sam Lee") == [.record("INC-1", .paging(.acknowledge("Sam Lee")), occurredAt: minute(10))])
    }

    @Test func aSeverityChangeSaysWhoTheNewLevelRequires() throws {
        var model = paging(width: 100, height: 30, severity: .l2)
        #expect(pane(model)[0] == "L2 0/2 engaged · ack 10m")
        try model.store(model.submit("/sev L1 data at risk"), at: minute(10))
        #expect(model.notice == ConsoleNotice(text: "Now L1 requires ic, dba, comms; not paged: ic, dba, comms", isError: true))
        #expect(pane(model)[0] == "L1 0/3 engaged · ack 5m")
    }

    @Test func theHelpListsTheContactsKeysAndCommands() {
        let model = paging(width: 100, height: 60)
        let help = model.helpLines(width: 96).map { $0.map(\.text).joined() }.joined(separator: "\n")
        #expect(help.contains("Contacts pane"))
        #expect(help.contains("page the selected role's next contact"))
        #expect(help.contains("/page ROLE|NAME [--via phone|chat|webhook]"))
        #expect(help.contains("/ack ROLE|NAME"))
    }
}
