import Foundation
import IncidentCore

/// The contacts file as the runner found it: the console never reads files itself.
public enum ContactsSource: Sendable, Equatable {
    /// There is no contacts file; the text says where one belongs.
    case absent(String)
    case loaded(ContactBook)
    /// The file has problems; the text says what and how to list them all.
    case invalid(String)
}

/// The contacts pane's own state: the book, the selected row per incident, and which overdue pages were announced.
struct ContactsPaneState: Sendable {
    var source: ContactsSource?
    /// Per incident, the selected row's key (`role:dba`, `contact:sam`), so new pages never move the selection.
    var selected: [IncidentID: String] = [:]
    /// Pages whose missed acknowledgement has been said on the message line; each is said once.
    var announced: Set<EventID> = []

    var book: ContactBook? { if case .loaded(let book) = source { book } else { nil } }
}

/// A page waiting for the commander's yes: the number to call is on screen, and the page is recorded on `y`.
struct PageConfirmation: Sendable, Equatable {
    var incident: IncidentID
    var proposal: PageProposal
    /// Set by `/at`; otherwise the page happens when confirmed.
    var occurredAt: Date?
}

/// One row of the pane: a required role, or a line paged outside the required roles.
struct ContactsRow: Sendable, Equatable {
    var key: String
    var label: String
    var status: AckStatus
    /// Whom `p` pages next, when the ladder says (nobody paged yet, or the answer is overdue).
    var next: TierAssignment?
    var required: Bool
}

extension ConsoleModel {
    // MARK: Messages

    /// The runner read the contacts file.
    mutating func contactsLoaded(_ source: ContactsSource) {
        let previous = contactsPane.source
        contactsPane.source = source
        if case .invalid(let text) = source {
            notice = ConsoleNotice(text: text, isError: true)
        } else if previous != nil, previous != source {
            // Read again after an edit on disk: say so, since the pane may now page someone else.
            let text: String
            if case .loaded(let book) = source {
                let contacts = book.contacts.count == 1 ? "1 contact" : "\(book.contacts.count) contacts"
                let roles = book.roles.count == 1 ? "1 role" : "\(book.roles.count) roles"
                text = "contacts.yaml changed: \(contacts), \(roles) loaded"
            } else {
                text = "contacts.yaml is gone: no contacts loaded"
            }
            notice = ConsoleNotice(text: text, isError: false)
        }
    }

    /// Announces, once each, pages whose acknowledgement ran out, naming the next tier: the console's alarm.
    mutating func announceOverdueAcks() {
        guard let view = current, view.state.isUnderWay else { return }
        let overdue = view.state.paging.ackClock(now: now).filter { $0.isOverdue && !contactsPane.announced.contains($0.page.id) }
        guard let timer = overdue.first else { return }
        for t in overdue { contactsPane.announced.insert(t.page.id) }
        let page = timer.page
        var text = "No ack from \(page.order.name)"
        if let role = page.order.role { text += " (\(role))" }
        text += " within \(DurationText.short(TimeInterval(page.order.ackTimeout)))"
        if let book = contactsPane.book, let role = page.order.role, let r = book.role(id: role) {
            if let next = r.tier(after: page.order.tier), let contact = book.contact(id: next.contact) {
                text += ": escalate to \(contact.name) (\(next.tier.rawValue)) — /page \(role), or p in Contacts"
            } else {
                text += ": no tier left for \(role) — re-page with /page \(role)"
            }
        } else {
            text += ": re-page or page someone else"
        }
        notice = ConsoleNotice(text: text, isError: true)
    }

    /// After new entries: a severity change on the shown incident says who the new level requires and who is missing.
    mutating func noticeEngagement(after events: [Event]) {
        guard let view = current, let book = contactsPane.book else { return }
        guard events.contains(where: { event in
            guard event.incident == view.id, case .severityChanged = event.payload else { return false }
            return true
        }) else { return }
        let engagement = view.state.engagement(contacts: book, now: now)
        notice = ConsoleNotice(text: "Now " + engagement.gapsText, isError: !engagement.missing.isEmpty)
    }

    // MARK: Rows and selection

    /// The required roles of the current severity, then whatever else was paged.
    func contactsRows(_ view: IncidentView, book: ContactBook) -> (engagement: Engagement, rows: [ContactsRow]) {
        let engagement = view.state.engagement(contacts: book, now: now)
        var rows = engagement.required.map {
            ContactsRow(key: "role:\($0.role.id)", label: $0.role.id, status: $0.status, next: $0.next, required: true)
        }
        rows += engagement.others.map { line in
            ContactsRow(key: line.key, label: line.role ?? line.status.page?.order.name ?? line.key, status: line.status,
                        next: nil, required: false)
        }
        return (engagement, rows)
    }

    private func selectedContactsIndex(_ view: IncidentView, rows: [ContactsRow]) -> Int {
        guard let key = contactsPane.selected[view.id], let index = rows.firstIndex(where: { $0.key == key }) else { return 0 }
        return index
    }

    /// Moves the pane's selection; large deltas go to the ends.
    mutating func moveContacts(by delta: Int) {
        guard let view = current, let book = contactsPane.book else { return }
        let rows = contactsRows(view, book: book).rows
        guard !rows.isEmpty else { return }
        let index = selectedContactsIndex(view, rows: rows)
        let target = min(max(0, index.addingReportingOverflow(delta).partialValue), rows.count - 1)
        contactsPane.selected[view.id] = rows[target].key
    }

    // MARK: Keys and commands

    /// `p` and `a` on the contacts pane.
    mutating func performContacts(_ action: KeyAction) -> [ConsoleEffect] {
        guard let view = current else { return refuse("no incident: declare one with /declare L2 Title") }
        guard let book = contactsPane.book else { return refuse(contactsUnavailable) }
        let rows = contactsRows(view, book: book).rows
        guard !rows.isEmpty else { return refuse("\(view.state.severity.rawValue) requires nobody; /page ROLE|NAME pages anyone in the contacts file") }
        let row = rows[selectedContactsIndex(view, rows: rows)]
        let target = row.key.hasPrefix("role:") ? String(row.key.dropFirst(5)) : String(row.key.drop { $0 != ":" }.dropFirst())
        switch action {
        case .pageSelected:
            return askToPage(target, via: nil, at: nil)
        case .ackSelected:
            return record(.paging(.acknowledge(target)), at: nil)
        default:
            return []
        }
    }

    /// `/page ROLE|NAME [--via …]` and `p`: prepares the page and asks; nothing is recorded until `y`.
    mutating func askToPage(_ target: String, via: PageChannel?, at occurredAt: Date?) -> [ConsoleEffect] {
        guard let view = current else { return refuse("no incident to page for: declare one with /declare L2 Title") }
        guard let book = contactsPane.book else { return refuse(contactsUnavailable) }
        do throws(PagingError) {
            let proposal = try view.state.proposePage(target, via: via, contacts: book, now: occurredAt ?? now)
            if focus == .commandLine { accept() }
            notice = nil
            overlay = .confirmPage(PageConfirmation(incident: view.id, proposal: proposal, occurredAt: occurredAt))
            return []
        } catch {
            return refuse(error.description)
        }
    }

    /// `y` records the page; anything else drops it.
    mutating func performPageConfirmation(_ action: KeyAction, _ confirmation: PageConfirmation) -> [ConsoleEffect] {
        overlay = nil
        guard action == .confirm else {
            notice = ConsoleNotice(text: "not paged", isError: false)
            return []
        }
        guard let view = incidents[confirmation.incident] else { return [] }
        let order = confirmation.proposal.order
        guard let effect = checked(.paging(.page(order)), on: view, at: confirmation.occurredAt ?? now) else { return [] }
        notice = ConsoleNotice(text: "paged \(order.name) by \(order.via.rawValue) \(order.address); "
                               + "ack due within \(DurationText.short(TimeInterval(order.ackTimeout)))", isError: false)
        return [effect]
    }

    private mutating func record(_ command: IncidentCommand, at occurredAt: Date?) -> [ConsoleEffect] {
        guard let view = current, let effect = checked(command, on: view, at: occurredAt ?? now) else { return [] }
        notice = nil
        return [effect]
    }

    private var contactsUnavailable: String {
        switch contactsPane.source {
        case .absent(let text), .invalid(let text): text
        case .loaded, nil: "no contacts loaded"
        }
    }

    // MARK: Drawing

    /// The prompt on the message row: whom to call, on which number, and y/n. It grows upward like a long notice.
    func drawPageConfirmation(_ buffer: inout CellBuffer, _ rect: Rect, _ confirmation: PageConfirmation) {
        let p = confirmation.proposal
        let o = p.order
        // A drill rehearses the page: it is recorded, and nobody should really be woken.
        let drill = incidents[confirmation.incident]?.state.isDrill == true
        var text = (drill ? "DRILL, do not really call. " : "") + "Page \(o.name)"
        if !o.roleAndTier.isEmpty { text += " (\(o.roleAndTier))" }
        if case .escalation(let from) = p.kind { text += ", escalating from \(from.order.name)" }
        if case .repage = p.kind { text += " again" }
        switch o.via {
        case .phone: text += ": call \(o.address)"
        case .chat: text += ": message \(o.address) on chat"
        case .webhook: text += ": send the page through webhook channel \(o.address)"
        }
        if let contract = o.contract { text += ", contract \(contract)" }
        if let url = p.contact.ticketURL { text += ", ticket \(url)" }
        if let local = localTime(p.contact) { text += " (\(local) their time)" }
        text += ". Record the page? y/n"
        let rows = TextWrap.wrap(InertText.make(text), columns: rect.width).prefix(Self.maxMessageRows)
        let top = rect.y - (rows.count - 1)
        buffer.fill(Rect(x: rect.x, y: top, width: rect.width, height: rows.count))
        for (row, line) in rows.enumerated() {
            buffer.put(line, x: rect.x, y: top + row, limit: rect.width, style: Palette.dueSoon)
        }
    }

    /// The pane: the severity's requirement, one row per role with its state and countdown, then the selected row's
    /// number to dial.
    func drawContacts(_ buffer: inout CellBuffer, _ rect: Rect) {
        let focused = focus == .contacts && overlay == nil
        buffer.box(rect, title: "Contacts", style: focus == .contacts ? .bold : .plain,
                   titleStyle: focus == .contacts ? Palette.focusedTitle : Palette.heading)
        let inner = rect.inset(1)
        guard inner.width > 0, inner.height > 0 else { return }
        func say(_ text: String, _ style: Style) {
            for (row, line) in TextWrap.wrap(text, columns: inner.width).prefix(inner.height).enumerated() {
                buffer.put(line, x: inner.x, y: inner.y + row, limit: inner.width, style: style)
            }
        }
        guard let source = contactsPane.source else { return say("No contacts loaded.", .dim) }
        let book: ContactBook
        switch source {
        case .absent(let text): return say(text, .dim)
        case .invalid(let text): return say(text, Palette.error)
        case .loaded(let b): book = b
        }
        guard let view = current else { return say("No incident.", .dim) }
        let (engagement, rows) = contactsRows(view, book: book)

        var header: [Span] = [(view.state.severity.rawValue, Palette.severity(view.state.severity))]
        if engagement.required.isEmpty {
            header.append((" requires nobody", .plain))
        } else {
            header.append((" \(engagement.engagedCount)/\(engagement.required.count) engaged", .plain))
        }
        let timeout = Int(engagement.policy.ackTimeout.seconds)
        let ack = " · ack " + (timeout % 60 == 0 ? "\(timeout / 60)m" : DurationText.short(TimeInterval(timeout)))
        // The timeout is the first thing to go in a narrow pane.
        if header.reduce(0, { $0 + TextWidth.columns($1.text) }) + TextWidth.columns(ack) <= inner.width { header.append((ack, .dim)) }
        put(&buffer, header, x: inner.x, y: inner.y, limit: inner.width)
        guard !rows.isEmpty else { return }

        let selectedIndex = selectedContactsIndex(view, rows: rows)
        let available = inner.height - 1
        let detail = contactsDetail(rows[selectedIndex], book: book, state: view.state)
        // Every row and both detail lines when they fit; else the number to dial stays and the list scrolls.
        let listRows = rows.count + 1 <= available ? rows.count : max(1, available - 1)
        let shownDetail = min(detail.count, max(0, available - listRows))
        let top = min(max(0, selectedIndex - listRows + 1), max(0, rows.count - listRows))

        let labelWidth = min(9, rows.map { TextWidth.columns($0.label) }.max() ?? 0)
        let stateWidth = 10
        // Who each role reaches only when there is room for a recognisable name; the state is right-aligned.
        let personWidth = inner.width - labelWidth - stateWidth - 2
        for (offset, index) in (top..<min(rows.count, top + listRows)).enumerated() {
            let row = rows[index]
            let (state, stateStyle) = stateText(row.status)
            var spans: [Span] = [(fit(row.label, labelWidth) + " ", row.required ? .plain : .dim)]
            if personWidth >= 8 {
                let who = row.status.page?.order.name ?? row.next.flatMap { book.contact(id: $0.contact)?.name } ?? "—"
                spans.append((fit(who, personWidth) + " ", row.status == .notPaged ? .dim : .plain))
            }
            let used = spans.reduce(0) { $0 + TextWidth.columns($1.text) }
            let pad = max(0, inner.width - used - TextWidth.columns(state))
            spans.append((String(repeating: " ", count: pad) + state, stateStyle))
            let y = inner.y + 1 + offset
            if focused && index == selectedIndex {
                buffer.fill(Rect(x: inner.x, y: y, width: inner.width, height: 1), style: .reverse)
                spans = spans.map { ($0.text, Style(foreground: $0.style.foreground, background: $0.style.background,
                                                    attributes: $0.style.attributes.union(Palette.selection))) }
            }
            put(&buffer, spans, x: inner.x, y: y, limit: inner.width)
        }
        let detailTop = inner.y + 1 + listRows
        for (row, line) in detail.prefix(shownDetail).enumerated() {
            put(&buffer, line, x: inner.x, y: detailTop + row, limit: inner.width)
        }
    }

    /// `missing`, `ack 4:12`, `LATE 1:05`, `✓ 14:12`.
    private func stateText(_ status: AckStatus) -> (String, Style) {
        switch status {
        case .notPaged: ("missing", Palette.error)
        case .awaiting(_, let remaining): ("ack \(DurationText.clock(remaining.rounded(.up)))", Palette.dueSoon)
        case .overdue(_, let by): ("LATE \(DurationText.clock(by))", Palette.overdue)
        case .engaged(let page): ("✓ \(clock.minute(page.ackedAt ?? page.pagedAt))", Style(foreground: .green, attributes: [.bold]))
        }
    }

    /// For the selected row: who to call and the number first (the line that survives a short pane), then context.
    func contactsDetail(_ row: ContactsRow, book: ContactBook, state: IncidentState) -> [[Span]] {
        func reach(_ contact: Contact) -> String {
            if let phone = contact.phone { return "☎ \(phone)" }
            if let chat = contact.chat { return "chat \(chat)" }
            return "no phone or chat"
        }
        func local(_ contact: Contact) -> String { localTime(contact).map { " · \($0) local" } ?? "" }
        switch row.status {
        case .notPaged:
            guard let next = row.next, let contact = book.contact(id: next.contact) else {
                return [[("nobody to page: add a primary", Palette.error)]]
            }
            return [[("p → \(contact.name) ", .bold), (reach(contact), .plain)],
                    [("\(next.tier.rawValue)\(local(contact))", .dim)]]
        case .awaiting(let page, _):
            let contact = book.contact(id: page.order.contact)
            return [[("\(page.order.name) ", .bold), (contact.map(reach) ?? page.order.address, .plain)],
                    [("paged \(clock.minute(page.pagedAt)) by \(page.order.via.rawValue) · a acks", .dim)]]
        case .overdue(let page, _):
            if let next = row.next, let contact = book.contact(id: next.contact) {
                return [[("p → \(contact.name) ", Palette.overdue), (" " + reach(contact), .plain)],
                        [("\(next.tier.rawValue): no ack from \(page.order.name)", .dim)]]
            }
            let contact = book.contact(id: page.order.contact)
            return [[("p re-pages \(page.order.name) ", Palette.overdue), (" " + (contact.map(reach) ?? page.order.address), .plain)],
                    [("no tier left", .dim)]]
        case .engaged(let page):
            let after = (page.ackedAt ?? page.pagedAt).timeIntervalSince(page.pagedAt)
            return [[("\(page.order.name) acked", .plain)], [("after \(DurationText.short(after))", .dim)]]
        }
    }

    private func localTime(_ contact: Contact) -> String? {
        guard let zone = contact.zone, zone.secondsFromGMT(for: now) != timeZone.secondsFromGMT(for: now) else { return nil }
        return TimeText(timeZone: zone).minute(now)
    }

    private func put(_ buffer: inout CellBuffer, _ spans: [Span], x: Int, y: Int, limit: Int) {
        var used = 0
        for span in spans where used < limit {
            used += buffer.put(span.text, x: x + used, y: y, limit: limit - used, style: span.style)
        }
    }
}

/// Parses `/page` and `/ack`.
enum PagingSlash {
    /// `/page TARGET [--via phone|chat|webhook]`; the target may be several words (`Sam Lee`).
    static func page(_ rest: String) throws(CommandLineError) -> ConsoleIntent {
        var words = rest.split(separator: " ").map(String.init)
        var via: PageChannel?
        if let flag = words.firstIndex(of: "--via") {
            guard flag + 1 < words.count, let channel = PageChannel(rawValue: words[flag + 1].lowercased()) else {
                throw CommandLineError(message: "--via needs a channel (\(PageChannel.spellings)): \(SlashCommand.page.usage)")
            }
            via = channel
            words.removeSubrange(flag...(flag + 1))
        }
        let target = words.joined(separator: " ")
        guard !target.isEmpty else { throw CommandLineError(message: "/page needs a role or a name: \(SlashCommand.page.usage)") }
        return .page(target, via: via, occurredAt: nil)
    }

    /// `/ack TARGET`.
    static func ack(_ rest: String) throws(CommandLineError) -> ConsoleIntent {
        guard !rest.isEmpty else { throw CommandLineError(message: "/ack needs a role or a name: \(SlashCommand.ack.usage)") }
        return .record(.paging(.acknowledge(rest)), occurredAt: nil)
    }
}
