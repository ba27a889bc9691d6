import Foundation
import Testing
import WarroomTestSupport

/// `warroom page --via webhook`: the page and its outbox delivery through a contact's named channel.
@Suite(.serialized) struct WebhookPageCommandTests {
    /// sam (dba primary) pages through dba-pager; priya names a channel warroom.yaml lacks; chen has no webhook.
    static let contacts = """
        people:
          sam: {name: Sam Lee, phone: "+46 8 555 010 22", webhook: dba-pager}
          priya: {name: Priya Raman, chat: "@priya", webhook: nowhere}
          chen: {name: Chen Wei, phone: "+86 10 5550 1004"}
        roles:
          dba: {primary: sam, secondary: priya}
          comms: {primary: chen}
        policies:
          L1: {engage: [dba, comms]}
          L2: {engage: [dba]}
          L3: {engage: [dba]}
          L4: {engage: []}
        """

    private func workspace(receiver: LoopbackReceiver) throws -> Workspace {
        let ws = try Workspace()
        try Self.contacts.write(to: ws.url.appendingPathComponent("contacts.yaml"), atomically: true, encoding: .utf8)
        try """
            delivery: {wait: 10s}
            channels:
              - {name: dba-pager, type: webhook, format: generic, url: "\(receiver.url)", updates: false}
            """.write(to: ws.url.appendingPathComponent("warroom.yaml"), atomically: true, encoding: .utf8)
        try ws.ok(["declare", "--severity", "L1", "Storage offline"], now: "2026-11-20T14:00:00Z")
        return ws
    }

    @Test func refusalsExitNonZeroAndRecordNothing() throws {
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        let ws = try workspace(receiver: receiver)
        defer { try? FileManager.default.removeItem(at: ws.url) }
        let before = try ws.export().count
        let cases: [([String], String)] = [
            (["page", "comms", "--via", "webhook"],
             "Chen Wei has no webhook channel in the contacts file: give them webhook: CHANNEL (a channel of warroom.yaml), or page by phone or chat"),
            (["page", "priya", "--via", "webhook"],
             "Priya Raman's webhook is channel \"nowhere\", which warroom.yaml does not configure (channels: dba-pager); add it there, or page by phone or chat"),
        ]
        for (arguments, message) in cases {
            let result = try ws.run(arguments, now: "2026-11-20T14:01:00Z")
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        #expect(try ws.export().count == before, "nothing refused was recorded")
        #expect(try ws.ok(["outbox"], now: "2026-11-20T14:02:00Z") == "nothing pending or given up\n")
        #expect(receiver.requests.isEmpty)
    }

    @Test func aPageGoesOutThroughTheChannelOnceAndTheTimelineNamesItOnly() throws {
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        let ws = try workspace(receiver: receiver)
        defer { try? FileManager.default.removeItem(at: ws.url) }

        let out = try ws.ok(["page", "dba", "--via", "webhook"], now: "2026-11-20T14:01:00Z")
        let match = try #require(out.firstMatch(of: /^#(\d+) INC-1 paged Sam Lee \(dba, primary\) by webhook dba-pager; ack due within 5m 00s$/
            .anchorsMatchLineEndings()), "\(out)")
        let id = try #require(Int(match.1))
        #expect(out.contains("dba-pager  page #\(id)  sent"), "\(out)")
        #expect(!out.contains("still pending"), "\(out)")

        let requests = try receiver.waitForRequests(1)
        #expect(requests.count == 1 && receiver.requests.count == 1, "exactly one request")
        let request = try #require(requests.first)
        let key = try #require(request.header("Idempotency-Key"))
        #expect(key.hasPrefix("warroom-"))
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        #expect(body["message"] as? String
                == "[L1] INC-1 Storage offline — paging Sam Lee (dba, primary): please acknowledge (warroom ack dba)")
        #expect(body["idempotency_key"] as? String == key)

        let timeline = try ws.ok(["timeline"], now: "2026-11-20T14:02:00Z")
        #expect(timeline.contains("paged Sam Lee (dba, primary) by webhook dba-pager; ack due within 5m 00s"), "\(timeline)")
        #expect(timeline.contains("page #\(id) queued for dba-pager"), "\(timeline)")
        #expect(timeline.contains("page #\(id) sent to dba-pager"), "\(timeline)")
        #expect(!timeline.contains(receiver.url) && !timeline.contains("127.0.0.1"), "the URL never reaches the timeline")

        // The ack clock runs as for any page, and the acknowledgement the message asks for closes it.
        #expect(try ws.ok(["status"], now: "2026-11-20T14:02:00Z").contains("awaiting ack Sam Lee (dba, primary) by webhook"))
        #expect(try ws.ok(["ack", "dba"], now: "2026-11-20T14:03:00Z").contains("Sam Lee (dba) acknowledged the page"))
        // The pager is for pages only: a status update does not reach it.
        let broadcast = try ws.ok(["broadcast", "--send", "--message", "rolling back"], now: "2026-11-20T14:04:00Z")
        #expect(broadcast.contains("no channel receives tactical updates at L1"), "\(broadcast)")
        let exported = try ws.export()
        #expect(!String(describing: exported).contains("127.0.0.1"), "nor the export")
        #expect(exported.contains { $0["text"] as? String == "page #\(id) sent to dba-pager" }, "the export names the page")
        #expect(try ws.ok(["outbox", "--all"], now: "2026-11-20T14:05:00Z").contains("INC-1 page #\(id)  dba-pager  delivered"))
        #expect(receiver.requests.count == 1, "nothing was sent twice")
    }
}
