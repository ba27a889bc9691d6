import Foundation
import IncidentCore
import Testing

/// The paging rules in the core: pages, acknowledgements, the acknowledgement clock, escalation, re-pages and
/// what a severity change requires. Time is always a parameter.
struct PagingTests {
    @Test func aNewIncidentRequiresItsSeveritysRolesAndNobodyIsPaged() {
        let state = incident(.l1)
        let e = state.engagement(contacts: book, now: at(1))
        #expect(e.required.map(\.role.id) == ["ic", "dba", "comms"])
        #expect(e.required.map(\.status) == [.notPaged, .notPaged, .notPaged])
        #expect(e.missing.map(\.role.id) == ["ic", "dba", "comms"])
        #expect(e.required.map(\.next) == [
            TierAssignment(tier: .primary, contact: "maria"), TierAssignment(tier: .primary, contact: "sam"),
            TierAssignment(tier: .primary, contact: "chen"),
        ])
        #expect(e.policy.ackTimeout == .seconds(300))
        #expect(e.gapsText == "L1 requires ic, dba, comms; not paged: ic, dba, comms")
        #expect(state.paging.ackClock(now: at(1)).isEmpty)
    }

    @Test func pagingARoleProposesItsPrimaryByPhoneWithThePolicyTimeout() throws {
        var state = incident(.l1)
        let (proposal, event) = try state.page("dba", at: at(2))
        #expect(proposal.kind == .first)
        #expect(proposal.order == PageOrder(contact: "sam", name: "Sam Lee", role: "dba", tier: .primary, via: .phone,
                                            address: "+46 8 555 010 22", ackTimeout: 300, attempt: 1))
        #expect(event.payload.kind == .page)
        #expect(event.payload.summary == "paged Sam Lee (dba, primary) by phone +46 8 555 010 22; ack due within 5m 00s")
        let page = try #require(state.paging.pages.first)
        #expect(page.id == event.id && page.pagedAt == at(2) && page.pagedBy == "maria" && page.ackedAt == nil)
        #expect(page.dueAt == at(7))
    }

    @Test func theAckClockCountsDownAndTurnsOverdueExactlyAtTheTimeout() throws {
        var state = incident(.l1)
        try state.page("dba", at: at(2))
        let running = state.paging.ackClock(now: at(4.5))
        #expect(running.count == 1)
        #expect(running[0].remaining == 150 && !running[0].isOverdue && running[0].dueAt == at(7))
        guard case .awaiting(let page, let remaining) = state.paging.status(ofRole: "dba", now: at(6.99)) else {
            Issue.record("dba should still be waiting just before 7m")
            return
        }
        #expect(page == state.paging.pages[0] && abs(remaining - 0.6) < 0.001)
        #expect(state.paging.ackClock(now: at(7))[0].isOverdue)
        if case .overdue(_, let by) = state.paging.status(ofRole: "dba", now: at(8)) { #expect(by == 60) } else {
            Issue.record("dba should be overdue at 8m")
        }
    }

    @Test func anAckBeforeTheTimeoutEngagesTheRoleAndStopsItsTimer() throws {
        var state = incident(.l1)
        let (_, page) = try state.page("dba", at: at(2))
        let ack = try state.ack("dba", at: at(4))
        #expect(ack.payload == .paging(.acknowledged(PageAck(contact: "sam", name: "Sam Lee", role: "dba", page: page.id, after: 120))))
        #expect(ack.payload.kind == .ack)
        #expect(ack.payload.summary == "Sam Lee (dba) acknowledged the page, 2m 00s after it went out")
        #expect(state.paging.pages[0].ackedAt == at(4) && state.paging.pages[0].ackID == ack.id)
        #expect(state.paging.ackClock(now: at(30)).isEmpty, "an answered page has no timer, however late it is")
        let e = state.engagement(contacts: book, now: at(30))
        #expect(e.required[1].status == .engaged(state.paging.pages[0]))
        #expect(e.required[1].next == nil)
        #expect(e.engagedCount == 1)
    }

    @Test func acknowledgingByNameOrIdWorksCaseInsensitively() throws {
        var state = incident(.l1)
        try state.page("maria", at: at(1))
        try state.ack("MARIA OKAFOR", at: at(2))
        try state.page("sam", at: at(3))
        try state.ack("Sam", at: at(3.5))
        let allAnswered = state.paging.pages.allSatisfy(\.isAcknowledged)
        #expect(allAnswered)
        #expect(state.paging.pages.map(\.order.role) == ["ic", "dba"], "a page by name goes to the required role the contact serves")
    }

    @Test func aTimeoutProposesTheNextTierAndTheEscalationRecordsWhoDidNotAnswer() throws {
        var state = incident(.l1)
        let (_, first) = try state.page("dba", at: at(2))
        let overdue = state.engagement(contacts: book, now: at(8)).required[1]
        #expect(overdue.next == TierAssignment(tier: .secondary, contact: "priya"))

        // Priya has no phone: the default channel is chat.
        let (proposal, event) = try state.page("dba", at: at(8))
        #expect(proposal.kind == .escalation(from: state.paging.pages[0]))
        #expect(proposal.order.contact == "priya" && proposal.order.tier == .secondary && proposal.order.via == .chat)
        #expect(proposal.order.escalatesFrom == first.id && proposal.order.escalatesFromName == "Sam Lee")
        #expect(event.payload.summary
            == "paged Priya Raman (dba, secondary) by chat @priya, escalated: Sam Lee did not acknowledge; ack due within 5m 00s")
        // The new page's timer replaces the old one: one line per role.
        let clock = state.paging.ackClock(now: at(9))
        #expect(clock.map(\.page.order.contact) == ["priya"])
        #expect(clock[0].remaining == 240)
    }

    @Test func theLadderClimbsToTheVendorAndThenRepagesTheLastRung() throws {
        var state = incident(.l1)
        try state.page("dba", at: at(0))
        try state.page("dba", at: at(5))
        try state.page("dba", at: at(10))
        let (vendor, _) = try state.page("dba", at: at(15))
        #expect(state.paging.pages.map(\.order.contact) == ["sam", "priya", "lee", "acme"])
        #expect(vendor.order.tier == .vendor && vendor.order.contract == "AC-77" && vendor.order.address == "+1 800 555 0199")
        #expect(state.engagement(contacts: book, now: at(20)).required[1].next == nil, "no rung after the vendor")
        let (again, event) = try state.page("dba", at: at(20))
        #expect(again.kind == .repage)
        #expect(again.order.contact == "acme" && again.order.attempt == 2)
        #expect(event.payload.summary.contains("contract AC-77, attempt 2"))
    }

    @Test func aRepageWhileWaitingGoesToTheSameContactAndRestartsTheClock() throws {
        var state = incident(.l1)
        try state.page("dba", at: at(2))
        let (again, _) = try state.page("dba", at: at(4))
        #expect(again.kind == .repage)
        #expect(again.order.contact == "sam" && again.order.attempt == 2 && again.order.escalatesFrom == nil)
        let clock = state.paging.ackClock(now: at(5))
        #expect(clock.count == 1 && clock[0].dueAt == at(9))
        // The ack answers the latest page; the first stays unanswered in the history.
        try state.ack("sam", at: at(6))
        #expect(state.paging.pages.map(\.isAcknowledged) == [false, true])
        #expect(state.paging.status(ofRole: "dba", now: at(6)).isEngaged)
    }

    @Test func aLateAnswerFromAnEarlierTierStillEngagesTheRole() throws {
        var state = incident(.l1)
        try state.page("dba", at: at(0))
        try state.page("dba", at: at(6))   // escalated to priya
        try state.ack("sam", at: at(7))    // sam calls back after all
        let status = state.paging.status(ofRole: "dba", now: at(20))
        #expect(status == .engaged(state.paging.pages[0]))
        #expect(state.paging.ackClock(now: at(20)).isEmpty, "once the role is engaged, priya's page no longer flags")
    }

    @Test func pagingAgainAfterAnAnswerNeedsANewAnswer() throws {
        var state = incident(.l1)
        try state.page("sam", at: at(0))
        try state.ack("sam", at: at(1))
        #expect(throws: PagingError.roleEngaged(role: "dba", by: "Sam Lee")) {
            _ = try state.proposePage("dba", contacts: book, now: at(2))
        }
        // By name it is allowed: someone is needed again.
        try state.page("sam", at: at(10))
        #expect(state.paging.status(ofRole: "dba", now: at(11)) == .awaiting(state.paging.pages[1], remaining: 240))
    }

    @Test func aSeverityChangeReevaluatesWhoMustBeEngaged() throws {
        var state = incident(.l2)
        try state.page("ic", at: at(1))
        try state.ack("ic", at: at(2))
        try state.page("dba", at: at(3))
        var e = state.engagement(contacts: book, now: at(4))
        #expect(e.required.map(\.role.id) == ["ic", "dba"])
        #expect(e.gapsText == "L2 requires ic, dba; waiting for an answer: dba")
        #expect(state.paging.ackClock(now: at(4))[0].dueAt == at(13), "L2's timeout is 10 minutes")

        try state.record(.changeSeverity(to: .l1, reason: "data at risk"), at: at(5))
        e = state.engagement(contacts: book, now: at(5))
        #expect(e.required.map(\.role.id) == ["ic", "dba", "comms"])
        #expect(e.missing.map(\.role.id) == ["comms"])
        #expect(e.gapsText == "L1 requires ic, dba, comms; not paged: comms; waiting for an answer: dba")
        // A page keeps the timeout it was sent with; new pages take the new severity's.
        #expect(state.paging.ackClock(now: at(5))[0].dueAt == at(13))
        let (comms, _) = try state.page("comms", at: at(5))
        #expect(comms.order.ackTimeout == 300)

        try state.record(.changeSeverity(to: .l4, reason: "false alarm"), at: at(6))
        e = state.engagement(contacts: book, now: at(6))
        #expect(e.required.isEmpty)
        #expect(e.gapsText == "L4 requires nobody to be paged")
        #expect(e.others.map(\.key) == ["role:ic", "role:dba", "role:comms"], "pages already out are still shown")
    }

    @Test func pagesByNameOutsideAnyRoleHaveTheirOwnLine() throws {
        var state = incident(.l1)
        try state.page("db-oncall", at: at(1))
        #expect(state.paging.pages[0].order.role == nil && state.paging.pages[0].line == "contact:db-oncall")
        let e = state.engagement(contacts: book, now: at(2))
        #expect(e.others.map(\.key) == ["contact:db-oncall"])
        #expect(e.missing.count == 3)
        #expect(state.paging.ackClock(now: at(7))[0].isOverdue)
    }

    @Test func aPageByNameToALaterTierOfAnOverdueRoleCountsAsEscalation() throws {
        var state = incident(.l1)
        try state.page("dba", at: at(0))
        let (manager, _) = try state.page("lee", at: at(6))
        // lee is ic's secondary and dba's manager; both are required at L1, ic comes first in the policy.
        #expect(manager.order.role == "ic" && manager.order.escalatesFrom == nil)
        var other = incident(.l3)
        let (_, first) = try other.page("dba", at: at(0))
        let (escalation, _) = try other.page("lee", at: at(16))
        #expect(escalation.order.role == "dba" && escalation.order.tier == .manager && escalation.order.escalatesFrom == first.id)
    }

    @Test func aContactWithAWebhookIsPagedThroughItsChannelByName() throws {
        var contacts = book.contacts
        contacts[contacts.firstIndex { $0.id == "sam" }!].webhook = "dba-pager"
        let withHook = ContactBook(contacts: contacts, roles: book.roles, policies: book.policies)
        var state = incident(.l1)
        let proposal = try state.proposePage("dba", via: .webhook, contacts: withHook, now: at(2))
        // The address is the channel's name: the URL stays in warroom.yaml.
        #expect(proposal.order == PageOrder(contact: "sam", name: "Sam Lee", role: "dba", tier: .primary, via: .webhook,
                                            address: "dba-pager", ackTimeout: 300, attempt: 1))
        #expect(withHook.contact(id: "sam")?.defaultChannel == .phone, "a webhook is used only when asked for")
        let event = try state.record(.paging(.page(proposal.order)), at: at(2))
        #expect(event.payload.summary == "paged Sam Lee (dba, primary) by webhook dba-pager; ack due within 5m 00s")
        #expect(state.webhookPageMessage(proposal.order)
                == "[L1] INC-1 Storage offline — paging Sam Lee (dba, primary): please acknowledge (warroom ack dba)")
        let byName = PageOrder(contact: "db-oncall", name: "Database on-call", via: .webhook, address: "h")
        #expect(state.webhookPageMessage(byName)
                == "[L1] INC-1 Storage offline — paging Database on-call: please acknowledge (warroom ack db-oncall)")
        // The outbox's entries about the page read as the page's, not a status update's.
        let sent = Event(id: event.id + 1, incident: "INC-1", occurredAt: at(2), recordedAt: at(2), actor: "maria",
                         payload: .delivery(.delivered(update: event.id, channel: "dba-pager", attempt: 1, detail: nil)))
        #expect(state.summary(of: sent) == "page #\(event.id) sent to dba-pager")
        let other = Event(id: event.id + 2, incident: "INC-1", occurredAt: at(2), recordedAt: at(2), actor: "maria",
                          payload: .delivery(.delivered(update: 77, channel: "ops", attempt: 1, detail: nil)))
        #expect(state.summary(of: other) == "update #77 sent to ops")
        // Someone without a webhook is still refused.
        #expect(throws: PagingError.webhookNeedsChannel(name: "Priya Raman")) {
            _ = try state.proposePage("priya", via: .webhook, contacts: withHook, now: at(3))
        }
    }

    @Test func refusals() throws {
        var state = incident(.l1)
        #expect(throws: PagingError.unknownTarget("nobody", roles: ["ic", "dba", "comms"],
                                                   contacts: ["maria", "sam", "priya", "chen", "lee", "jo", "db-oncall", "acme"])) {
            _ = try state.proposePage("nobody", contacts: book, now: at(1))
        }
        #expect(throws: PagingError.emptyTarget) { _ = try state.proposePage("  ", contacts: book, now: at(1)) }
        #expect(throws: PagingError.webhookNeedsChannel(name: "Sam Lee")) {
            _ = try state.proposePage("sam", via: .webhook, contacts: book, now: at(1))
        }
        #expect(throws: PagingError.noAddress(name: "Priya Raman", via: .phone, instead: .chat)) {
            _ = try state.proposePage("priya", via: .phone, contacts: book, now: at(1))
        }
        #expect(throws: PagingError.noAddress(name: "Chen Wei", via: .chat, instead: .phone)) {
            _ = try state.proposePage("chen", via: .chat, contacts: book, now: at(1))
        }
        #expect(throws: RuleError.paging(.notPaged("sam", "INC-1"))) { try state.ack("sam", at: at(1)) }
        try state.page("sam", at: at(2))
        #expect(throws: RuleError.paging(.ackBeforePage(name: "Sam Lee", by: 60))) { try state.ack("sam", at: at(1)) }
        try state.ack("sam", at: at(3))
        #expect(throws: RuleError.paging(.alreadyAcknowledged(name: "Sam Lee"))) { try state.ack("sam", at: at(4)) }
        #expect(throws: RuleError.paging(.alreadyAcknowledged(name: "Sam Lee"))) { try state.ack("dba", at: at(4)) }
        // A webhook order without a channel name that reaches decide anyway is refused there too, and so is a page to nobody.
        let webhook = PageOrder(contact: "sam", name: "Sam Lee", via: .webhook, address: " ")
        #expect(throws: RuleError.paging(.webhookNeedsChannel(name: "Sam Lee"))) { try state.record(.paging(.page(webhook)), at: at(5)) }
        let blank = PageOrder(contact: "sam", name: "Sam Lee", via: .phone, address: " ")
        #expect(throws: RuleError.paging(.noAddress(name: "Sam Lee", via: .phone, instead: nil))) { try state.record(.paging(.page(blank)), at: at(5)) }
        let noTime = PageOrder(contact: "sam", name: "Sam Lee", via: .phone, address: "1", ackTimeout: 0)
        #expect(throws: RuleError.paging(.badTimeout)) { try state.record(.paging(.page(noTime)), at: at(5)) }
        let ghost = PageOrder(contact: "sam", name: "Sam Lee", via: .phone, address: "1", escalatesFrom: 99)
        #expect(throws: RuleError.paging(.unknownPage(99, "INC-1"))) { try state.record(.paging(.page(ghost)), at: at(5)) }
        #expect(state.paging.pages.count == 1, "nothing refused was recorded")
    }

    @Test func anAckInTheSameInstantAsAPageReadBackFromTheStoreCounts() throws {
        // The store keeps milliseconds: the page comes back 0.4 ms later than the clock reading the ack carries.
        var state = incident(.l1)
        let proposal = try state.proposePage("dba", contacts: book, now: at(2))
        let payload = try state.decide(.paging(.page(proposal.order)), at: at(2), now: at(2))
        state.apply(Event(id: 2, incident: "INC-1", occurredAt: at(2).addingTimeInterval(0.0004), recordedAt: at(2),
                          actor: "maria", payload: payload))
        let ack = try state.ack("dba", at: at(2))
        #expect(ack.payload == .paging(.acknowledged(PageAck(contact: "sam", name: "Sam Lee", role: "dba", page: 2, after: 0))))
        #expect(state.paging.status(ofRole: "dba", now: at(3)).isEngaged)
        // More than the store's precision before the page is still refused.
        var early = incident(.l1)
        try early.page("dba", at: at(2))
        #expect(throws: RuleError.paging(.ackBeforePage(name: "Sam Lee", by: 0.5))) {
            try early.ack("dba", at: at(2).addingTimeInterval(-0.5))
        }
    }

    @Test func resolvedIncidentsTakeNoNewPagesButLateAcks() throws {
        var state = incident(.l3)
        try state.page("dba", at: at(1))
        for (step, minute) in [(LifecycleState.investigating, 2.0), (.identified, 3), (.mitigating, 4), (.monitoring, 5), (.resolved, 6)] {
            try state.record(.changeState(to: step, reason: nil, override: nil), at: at(minute))
        }
        #expect(throws: PagingError.notActive("INC-1", .resolved)) { _ = try state.proposePage("dba", contacts: book, now: at(7)) }
        try state.ack("dba", at: at(8))
        #expect(state.paging.pages[0].isAcknowledged)
    }

    @Test func decideRecountsTheAttemptInsideTheTransaction() throws {
        var state = incident(.l1)
        let stale = try state.proposePage("dba", contacts: book, now: at(1))
        try state.page("dba", at: at(1))        // another terminal got there first
        let event = try state.record(.paging(.page(stale.order)), at: at(2))
        guard case .paging(.paged(let order)) = event.payload else { Issue.record("not a page"); return }
        #expect(order.attempt == 2)
    }

    @Test func ambiguousNamesAreRefusedWithTheIds() throws {
        var twins = book
        twins.contacts.append(Contact(id: "sam-b", name: "Sam Lee", phone: "+1 555 0100"))
        let state = incident(.l1)
        #expect(throws: PagingError.ambiguous("sam lee", matches: ["sam", "sam-b"])) {
            _ = try state.proposePage("sam lee", contacts: twins, now: at(1))
        }
    }

    @Test(arguments: [
        PagingEvent.paged(PageOrder(contact: "sam", name: "Sam Lee", role: "dba", tier: .primary, via: .phone, address: "+46 8",
                                    ackTimeout: 300, attempt: 1)),
        .paged(PageOrder(contact: "acme", name: "Acme", role: "dba", tier: .vendor, via: .phone, address: "+1 800", ackTimeout: 90,
                         attempt: 3, escalatesFrom: 7, escalatesFromName: "Lee", contract: "AC-77")),
        .paged(PageOrder(contact: "x", name: "X", via: .chat, address: "@x")),
        .acknowledged(PageAck(contact: "sam", name: "Sam Lee", role: "dba", page: 4, after: 125)),
        .acknowledged(PageAck(contact: "x", name: "X", page: 9, after: 0)),
    ])
    func eventsRoundTripThroughStoreColumns(_ event: PagingEvent) throws {
        let payload = EventPayload.paging(event)
        #expect(try EventPayload(columns: payload.columns) == payload)
    }

    @Test func damagedColumnsAreReportedNotGuessed() {
        let good = EventPayload.paging(.paged(PageOrder(contact: "sam", name: "Sam", via: .phone, address: "1"))).columns
        var noTimeout = good
        noTimeout.extra = "{}"
        var badVia = good
        badVia.prior = "pigeon"
        var badTier = good
        badTier.extra = #"{"attempt":"1","tier":"boss","timeout":"300"}"#
        var ackWithoutPage = EventPayload.paging(.acknowledged(PageAck(contact: "s", name: "S", page: 1, after: 1))).columns
        ackWithoutPage.ref = nil
        for columns in [noTimeout, badVia, badTier, ackWithoutPage] {
            #expect(throws: EventDecodingError.self) { _ = try EventPayload(columns: columns) }
        }
    }
}
