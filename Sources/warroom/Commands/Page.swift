import ArgumentParser
import Broadcast
import Drills
import Foundation
import IncidentCore
import StoreKit

/// `warroom page ROLE|NAME`: pages a role's next contact, or a person, and records it.
struct Page: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Page a role's next contact or a person from contacts.yaml, and record the page.",
        discussion: """
            A role pages its primary first; while that page waits, the same contact again; once the acknowledgement \
            is overdue (5 minutes unless the severity's policy says otherwise), the next tier: secondary, manager, \
            vendor. A name pages that person for the role they hold. Prints the number or chat handle to use. \
            --via webhook sends the page through the contact's webhook: channel (a channel of warroom.yaml): the page \
            and its outbox delivery are recorded together, then delivered in the foreground for at most --wait seconds.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var entry: EntryOptions

    @Option(help: "phone (default when the contact has a number), chat, or webhook.")
    var via: String?

    @Option(help: "With --via webhook: seconds to wait for the delivery (default: delivery.wait in warroom.yaml, 15).")
    var wait: Double?

    @Argument(help: "A role from contacts.yaml (dba, ic) or a contact's id or name.")
    var target: [String]

    func validate() throws {
        if let wait, !(wait >= 0 && wait.isFinite) { throw ValidationError("--wait must be 0 or more seconds") }
    }

    func run() async throws {
        var channel: PageChannel?
        if let via {
            guard let parsed = PageChannel(rawValue: via.lowercased()) else {
                throw ValidationError("--via must be one of \(PageChannel.spellings)")
            }
            channel = parsed
        }
        let book = try ContactsSupport.book(global)
        let store = try await global.openStore(create: false)
        let now = try global.now()
        let occurredAt = try global.time(entry.at, now: now)
        let incident = try await IncidentSelection.resolve(entry.incident, among: store.incidents())
        let text = target.joined(separator: " ")
        let actor = global.actorName
        if channel == .webhook {
            try await pageByWebhook(text, incident: incident.id, book: book, store: store, occurredAt: occurredAt, now: now)
            return
        }
        var proposal: PageProposal?
        // Proposed inside the write transaction: another terminal's page or ack is taken into account.
        let events = try await store.append(to: incident.id) { state in
            let p = try state.proposePage(text, via: channel, contacts: book, now: occurredAt)
            proposal = p
            let payload = try state.decide(.paging(.page(p.order)), at: occurredAt, now: now)
            return [EventDraft(occurredAt: occurredAt, recordedAt: now, actor: actor, payload: payload)]
        }
        let event = events[0]
        CLIOutput.print("#\(event.id) \(event.incident) \(InertText.make(event.payload.summary))")
        if incident.isDrill {
            if let state = try await store.incidents().first(where: { $0.id == incident.id }), let record = state.paging.page(id: event.id) {
                try DrillSink(workspace: global.workspaceURL).record(page: record, incident: incident.id, state: state)
            }
            CLIOutput.print("DRILL: the page is recorded and written to \(DrillSink.fileName); do not really call or message anyone")
        } else if let proposal {
            CLIOutput.print(ContactsSupport.howToReach(proposal, now: now, timeZone: global.timeZone))
        }
    }
}

extension Page {
    /// Records the page with its outbox delivery in one transaction, then delivers it like `broadcast --send`.
    private func pageByWebhook(
        _ text: String, incident: IncidentID, book: ContactBook, store: any WarroomStore, occurredAt: Date, now: Date
    ) async throws {
        let config = try global.config()
        let recorded: RecordedStatusUpdate
        do {
            recorded = try await WebhookPager.send(text, to: incident, contacts: book, store: store, config: config,
                                             actor: global.actorName, occurredAt: occurredAt, now: now)
        } catch let error as WebhookPageError {
            throw CLIError(error.description)
        }
        let page = recorded.update
        CLIOutput.print("#\(page.id) \(page.incident) \(InertText.make(page.payload.summary))")
        let seconds = wait ?? config.delivery.wait.seconds
        guard seconds > 0 else {
            CLIOutput.print("not delivered yet (--wait 0): an open console delivers it, or `warroom outbox run`")
            return
        }
        let reports = await OutboxRunner.deliver(store: store, config: config, global: global, until: Date().addingTimeInterval(seconds))
        OutboxRunner.printReports(reports, config: config, subject: "page")
        let pending = try await store.deliveries(incident: incident, statuses: [.pending]).filter { $0.update == page.id }
        if !pending.isEmpty {
            CLIOutput.print("still pending: \(pending.map(\.channel).joined(separator: ", ")) — an open console keeps retrying, "
                  + "or run `warroom outbox run`")
        }
    }
}

/// `warroom ack ROLE|NAME`: records that a page was answered.
struct Ack: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record that a role (its latest page) or a person acknowledged their page.",
        discussion: "Backdate with --at when the answer came earlier: `warroom ack dba --at 14:12`."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var entry: EntryOptions

    @Argument(help: "The role paged (dba) or the contact's id or name.")
    var target: [String]

    func run() async throws {
        let event = try await global.record(.paging(.acknowledge(target.joined(separator: " "))), entry: entry)
        CLIOutput.print("#\(event.id) \(event.incident) \(InertText.make(event.payload.summary))")
    }
}
