import Foundation
import Testing
import WarroomTestSupport

/// `warroom broadcast`, `warroom outbox` and `warroom.yaml` through the real binary.
@Suite(.serialized) struct BroadcastCommandTests {
    static let declaredAt = "2026-11-20T14:00:00Z"

    private func incident(severity: String = "L2", config: String? = nil) throws -> Workspace {
        let ws = try Workspace()
        if let config { try config.write(to: ws.url.appendingPathComponent("warroom.yaml"), atomically: true, encoding: .utf8) }
        try ws.ok(["declare", "--severity", severity, "Checkout errors in eu-west", "--impact", "30% of payments fail"], now: Self.declaredAt)
        return ws
    }

    /// The update's entry number from `broadcast --send`'s first line (declarations may attach runbooks first).
    private func updateID(_ output: String) throws -> Int {
        let match = try #require(output.firstMatch(of: /^#(\d+) INC-1 status update recorded/.anchorsMatchLineEndings()), "\(output)")
        return try #require(Int(match.1))
    }

    @Test func draftPrintsTheUpdateForEitherAudience() throws {
        let ws = try incident()
        try ws.ok(["state", "investigating"], now: "2026-11-20T14:02:00Z")
        try ws.ok(["log", "--kind", "decision", "fail over to eu-central"], now: "2026-11-20T14:04:00Z")
        let tactical = try ws.ok(["broadcast", "--draft"], now: "2026-11-20T14:10:00Z")
        #expect(tactical == "[L2][investigating] Checkout errors in eu-west — 30% of payments fail — fail over to eu-central — next update by 14:25\n")
        let executive = try ws.ok(["broadcast", "--draft", "--audience", "executive"], now: "2026-11-20T14:10:00Z")
        #expect(executive == "Checkout errors in eu-west (L2: core function degraded or partial outage). Status: we are investigating "
            + "the cause. Impact: 30% of payments fail. Next update by 14:25 UTC.\n")
        #expect(try ws.run(["broadcast"], now: "2026-11-20T14:10:00Z").status != 0, "--draft or --send is required")
    }

    @Test func sendRecordsDeliversAndRestartsTheCountdown() throws {
        let ws = try incident(config: "channels:\n  - {name: incident-log, type: file, path: updates.log}\n")
        let overdue = try ws.ok(["status"], now: "2026-11-20T14:17:00Z")
        #expect(overdue.contains("OVERDUE by 2m 00s (was due 14:15)"), "\(overdue)")

        let out = try ws.ok(["broadcast", "--send", "--message", "rolling back release 4.2"], now: "2026-11-20T14:17:00Z")
        let id = try updateID(out)
        #expect(out.contains("#\(id) INC-1 status update recorded; queued for incident-log"), "\(out)")
        #expect(out.contains("incident-log  update #\(id)  sent"), "\(out)")
        #expect(!out.contains("still pending"))

        let log = try String(contentsOf: ws.url.appendingPathComponent("updates.log"), encoding: .utf8)
        #expect(log.hasPrefix("== INC-1 · L2 · declared · tactical · 2026-11-20T14:17:00Z · warroom-"))
        #expect(log.contains("\nrolling back release 4.2\n"))

        let status = try ws.ok(["status"], now: "2026-11-20T14:20:00Z")
        #expect(status.contains("due 14:32, in 12m 00s"), "\(status)")
        #expect(status.contains("last update  #\(id) at 14:17 (1 sent)"), "\(status)")
        #expect(status.contains("deliveries   incident-log sent"), "\(status)")
        let json = try ws.ok(["status", "--json"], now: "2026-11-20T14:20:00Z")
        let object = try #require((try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])?.first)
        let broadcast = try #require(object["broadcast"] as? [String: Any])
        #expect(broadcast["updates_sent"] as? Int == 1)
        #expect(broadcast["last_update"] as? Int == id)
        #expect(broadcast["deliveries"] as? [String: String] == ["incident-log": "delivered"])
        let timeline = try ws.ok(["timeline"], now: "2026-11-20T14:20:00Z")
        #expect(timeline.contains("rolling back release 4.2"))
        #expect(timeline.contains("update #\(id) queued for incident-log"))
        #expect(timeline.contains("update #\(id) sent to incident-log"))

        let delivery = try #require(try ws.export().first { $0["kind"] as? String == "delivery" && ($0["delivery"] as? [String: Any])?["outcome"] as? String == "delivered" })
        let fields = try #require(delivery["delivery"] as? [String: Any])
        #expect(fields["channel"] as? String == "incident-log")
        #expect(fields["update"] as? Int == id)
        #expect(fields["attempt"] as? Int == 1)
    }

    @Test func theCadenceComesFromWarroomYaml() throws {
        let ws = try incident(severity: "L3", config: "cadence:\n  L3: 10m\nreminder: 4m\n")
        #expect(try ws.ok(["status"], now: "2026-11-20T14:05:00Z").contains("due soon: 14:10, in 5m 00s") == false)
        #expect(try ws.ok(["status"], now: "2026-11-20T14:07:00Z").contains("due soon: 14:10, in 3m 00s"))
        #expect(try ws.ok(["status"], now: "2026-11-20T14:12:00Z").contains("OVERDUE by 2m 00s (was due 14:10)"))
        let json = try ws.ok(["status", "--json"], now: "2026-11-20T14:12:00Z")
        #expect(json.contains(#""update_status" : "overdue""#), "\(json)")
        // A severity upgrade makes one due at once.
        try ws.ok(["broadcast", "--send"], now: "2026-11-20T14:13:00Z")
        #expect(try ws.ok(["status"], now: "2026-11-20T14:14:00Z").contains("due 14:23"))
        try ws.ok(["sev", "L2", "--reason", "all regions now"], now: "2026-11-20T14:15:00Z")
        #expect(try ws.ok(["status"], now: "2026-11-20T14:15:30Z").contains("OVERDUE by 30s (was due 14:15)"))
    }

    @Test func aBadConfigIsRefusedWithItsLineAndChangesNothing() throws {
        let ws = try incident()
        // Read before the bad file is written: every command reads warroom.yaml (it may name the team store).
        let before = try ws.export().count
        try "cadence:\n  L1: 15m\n  L2: fortnightly\n".write(to: ws.url.appendingPathComponent("warroom.yaml"), atomically: true, encoding: .utf8)
        for arguments in [["status"], ["log", "a note"], ["broadcast", "--send", "--message", "x"], ["export"]] {
            let result = try ws.run(arguments, now: "2026-11-20T14:20:00Z")
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.contains("warroom.yaml:3: cadence L2 must be a duration such as 15m, 90s or 1h30m (got \"fortnightly\")"),
                    "\(arguments): \(result.stderr)")
        }
        try FileManager.default.removeItem(at: ws.url.appendingPathComponent("warroom.yaml"))
        #expect(try ws.export().count == before)
    }

    @Test func anExecutiveUpdatePromisingAFixTimeIsRefused() throws {
        let ws = try incident(config: "channels:\n  - {name: execs, type: file, path: e.log, audience: executive}\n")
        let before = try ws.export().count
        let result = try ws.run(["broadcast", "--send", "--audience", "executive", "--message", "Payments back online by 15:30."],
                                now: "2026-11-20T14:10:00Z")
        #expect(result.status != 0)
        #expect(result.stderr.contains("never promises a fix time, and this one says \"back online by 15:30\""), "\(result.stderr)")
        #expect(try ws.export().count == before)
        #expect(!FileManager.default.fileExists(atPath: ws.url.appendingPathComponent("e.log").path))
    }

    /// A channel that does not answer within the bounded wait is left pending for a worker, and said so.
    @Test func whatIsNotDeliveredInTheWaitIsLeftToTheOutbox() throws {
        let receiver = try LoopbackReceiver { _, n in n == 0 ? .hold : .status(200) }
        defer { receiver.stop() }
        let ws = try incident(config: """
            delivery: {wait: 1s}
            channels:
              - {name: ops, type: webhook, format: slack, url: "\(receiver.url)", timeout: 30s}
              - {name: log, type: file, path: updates.log}
            """)
        let started = Date()
        let out = try ws.ok(["broadcast", "--send", "--message", "first"], now: "2026-11-20T14:10:00Z")
        let id = try updateID(out)
        #expect(Date().timeIntervalSince(started) < 10, "the wait is bounded")
        #expect(out.contains("log  update #\(id)  sent"), "\(out)")
        #expect(out.contains("ops  update #\(id)  webhook timed out after"), "\(out)")
        #expect(out.contains("still pending: ops — an open console keeps retrying, or run `warroom outbox run`"), "\(out)")
        #expect(try ws.ok(["outbox"], now: "2026-11-20T14:11:00Z").contains("INC-1 update #\(id)  ops  pending, 1 attempt"))

        let run = try ws.run(["outbox", "run", "--until-empty", "--max-wait", "30"], now: "2026-11-20T14:12:00Z",
                             environment: [:])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("ops  update #\(id)  sent"), "\(run.stdout)")
        #expect(try ws.ok(["outbox"], now: "2026-11-20T14:13:00Z") == "nothing pending or given up\n")
        let keys = receiver.requests.compactMap { $0.header("Idempotency-Key") }
        #expect(keys.count == 2 && Set(keys).count == 1, "the retry carried the same key")
    }

    @Test func givenUpDeliveriesCanBeRequeued() throws {
        let receiver = try LoopbackReceiver { _, n in n == 0 ? .status(410) : .status(200) }
        defer { receiver.stop() }
        let ws = try incident(config: "channels:\n  - {name: ops, type: webhook, format: slack, url: \"\(receiver.url)\"}\n")
        let out = try ws.ok(["broadcast", "--send", "--message", "first"], now: "2026-11-20T14:10:00Z")
        let id = try updateID(out)
        #expect(out.contains("ops  update #\(id)  gave up: webhook 410"), "\(out)")
        #expect(try ws.ok(["outbox"], now: "2026-11-20T14:11:00Z").contains("GAVE UP after 1 attempt: webhook 410"))
        let status = try ws.ok(["status"], now: "2026-11-20T14:11:00Z")
        #expect(status.contains("ops GAVE UP (webhook 410)"), "\(status)")

        #expect(try ws.ok(["outbox", "retry"], now: "2026-11-20T14:12:00Z").contains("update #\(id) requeued for ops"))
        #expect(try ws.ok(["outbox", "run", "--once"], now: "2026-11-20T14:12:00Z").contains("ops  update #\(id)  sent"))
        #expect(try ws.run(["outbox", "retry"], now: "2026-11-20T14:13:00Z").status != 0, "nothing left to requeue")
    }
}
