import ContactsKit
import Foundation
import IncidentCore

/// The paging lines of `warroom status`: who the severity requires, who is missing, unacknowledged pages
/// and overdue acknowledgements with the next tier to page.
enum PagingReport {
    static func rows(_ s: IncidentState, now: Date, text: TimeText, contacts: ContactsLoad) -> [(String, String)] {
        func at(_ date: Date) -> String { text.differentDays(date, now) ? text.dayAndMinute(date) : text.minute(date) }
        var rows: [(String, String)] = []
        var book: ContactBook?
        switch contacts {
        case .loaded(let b): book = b
        case .invalid(_, let problems):
            let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
            rows.append(("contacts", "contacts.yaml has \(count); run warroom contacts lint"))
        case .missing: break
        }
        if let book, s.lifecycle.isActive {
            let e = s.engagement(contacts: book, now: now)
            if e.required.isEmpty {
                rows.append(("engage", "\(s.severity.rawValue) requires nobody to be paged"))
            } else {
                rows.append(("engage", "\(s.severity.rawValue) requires \(e.required.map(\.role.id).joined(separator: ", ")): "
                             + "\(e.engagedCount) of \(e.required.count) engaged"))
                if !e.missing.isEmpty {
                    rows.append(("not paged", e.missing.map { r in
                        let who = r.next.flatMap { book.contact(id: $0.contact) }.map { " (page \($0.name))" } ?? ""
                        return r.role.id + who
                    }.joined(separator: ", ")))
                }
            }
        }
        for timer in s.paging.ackClock(now: now) {
            let o = timer.page.order
            var who = o.name
            if !o.roleAndTier.isEmpty { who += " (\(o.roleAndTier))" }
            who += " by \(o.via.rawValue), paged \(at(timer.page.pagedAt))"
            if timer.isOverdue {
                var line = "\(who), was due \(at(timer.dueAt)), overdue by \(DurationText.short(-timer.remaining))"
                if let book, let role = o.role.flatMap({ book.role(id: $0) }) {
                    if let next = role.tier(after: o.tier), let contact = book.contact(id: next.contact) {
                        line += "; escalate: warroom page \(role.id) pages \(contact.name) (\(next.tier.rawValue))"
                    } else {
                        line += "; no tier left: re-page with warroom page \(role.id)"
                    }
                }
                rows.append(("ACK OVERDUE", line))
            } else {
                rows.append(("awaiting ack", "\(who), due \(at(timer.dueAt)), in \(DurationText.short(timer.remaining))"))
            }
        }
        // Names and numbers come from a file: shown inert like any other untrusted text.
        return rows.map { ($0.0, InertText.make($0.1)) }
    }
}

/// `warroom status --json`: the paging part of one incident.
struct PagingStatusJSON: Encodable {
    struct Pending: Encodable {
        var pageEvent: EventID
        var contact: String
        var name: String
        var role: String?
        var tier: String?
        var via: String
        var pagedAt: String
        var ackDue: String
        var overdue: Bool
        var secondsUntilDue: Int

        enum CodingKeys: String, CodingKey {
            case pageEvent = "page_event", contact, name, role, tier, via, pagedAt = "paged_at", ackDue = "ack_due", overdue,
                secondsUntilDue = "seconds_until_due"
        }
    }

    /// Roles the severity requires (when contacts.yaml is readable), and those not paged at all.
    var required: [String]?
    var notPaged: [String]?
    var engaged: [String]?
    var unacknowledged: [Pending]

    enum CodingKeys: String, CodingKey {
        case required, notPaged = "not_paged", engaged, unacknowledged
    }

    init(_ s: IncidentState, now: Date, contacts: ContactsLoad) {
        if case .loaded(let book) = contacts, s.lifecycle.isActive {
            let e = s.engagement(contacts: book, now: now)
            required = e.required.map(\.role.id)
            notPaged = e.missing.map(\.role.id)
            engaged = e.required.filter(\.status.isEngaged).map(\.role.id)
        }
        unacknowledged = s.paging.ackClock(now: now).map { t in
            Pending(pageEvent: t.page.id, contact: t.page.order.contact, name: t.page.order.name, role: t.page.order.role,
                    tier: t.page.order.tier?.rawValue, via: t.page.order.via.rawValue,
                    pagedAt: t.page.pagedAt.formatted(EventJSON.iso), ackDue: t.dueAt.formatted(EventJSON.iso),
                    overdue: t.isOverdue, secondsUntilDue: Int(t.remaining.rounded(.down)))
        }
    }
}

extension PagingReport {
    /// After a severity change: who the new level requires and who is not engaged, when contacts.yaml is readable.
    static func sayWhoIsMissing(_ global: GlobalOptions, incident: String?) async {
        guard case .loaded(let book) = ContactsSupport.optionalBook(global),
              let store = try? await global.openStore(create: false), let now = try? global.now(),
              let state = try? await IncidentSelection.resolve(incident, among: store.incidents())
        else { return }
        CLIOutput.print(InertText.make(state.engagement(contacts: book, now: now).gapsText))
    }
}
