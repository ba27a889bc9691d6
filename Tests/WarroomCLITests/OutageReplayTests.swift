import Foundation
import Testing

/// Replays the storage outage from the product spec (14:07 alert → 22:00 recovered) the way a scribe
/// would record it, some entries typed minutes after they happened, and checks timeline and status.
@Suite("outage replay")
struct OutageReplayTests {
    func at(_ hhmm: String) -> String { "2026-11-20T\(hhmm):00Z" }

    @Test func storageOutageReplay() throws {
        let ws = try Workspace()
        #expect(try ws.ok(["declare", "--severity", "L2", "Document storage offline", "--impact", "All users: opens and saves fail", "--at", "14:12"], now: at("14:13")) == "INC-1\n")
        try ws.ok(["log", "--at", "14:07", "alert fired: storage health check failing on 14 of 20 nodes"], now: at("14:14"))
        try ws.ok(["state", "investigating"], now: at("14:14"))
        try ws.ok(["log", "--at", "14:15", "hardware team contacted"], now: at("14:18"))
        try ws.ok(["sev", "L1", "--reason", "data at risk: nodes wiped by ops tool"], now: at("14:20"))
        try ws.ok(["role", "comms", "chen"], now: at("14:21"))
        // Offered, not yet taken: maria keeps the role until chen accepts.
        #expect(try ws.ok(["status"], now: at("14:21")).contains(
            "  handoff      communications lead offered to chen 0s ago, not accepted; maria holds it (warroom role comms --accept)"))
        var chen = ws
        chen.actor = "chen"
        #expect(try chen.ok(["role", "comms", "--accept"], now: at("14:22")) == "#7 INC-1 chen is communications lead\n")
        try ws.ok(["state", "identified", "--reason", "ops tool bug took storage offline", "--at", "14:50"], now: at("14:55"))

        let overdue = try ws.ok(["status"], now: at("14:55"))
        #expect(overdue.contains("  next update  OVERDUE by 35m 00s (was due 14:20)"))
        #expect(overdue.contains("  first signal 14:07"))

        try ws.ok(["log", "--kind", "decision", "--at", "15:00", "plan changed: restore from backup"], now: at("15:02"))
        try ws.ok(["state", "mitigating", "--reason", "restore started", "--at", "15:10"], now: at("15:11"))
        try ws.ok(["log", "--at", "19:00", "restore done"], now: at("19:01"))
        try ws.ok(["sev", "L2", "--reason", "restore done, integrity check running"], now: at("19:05"))
        try ws.ok(["state", "monitoring", "--reason", "integrity check passed", "--at", "21:00"], now: at("21:02"))

        let early = try ws.run(["state", "resolved"], now: at("21:10"))
        #expect(early.status == 1)
        #expect(early.stderr.contains("INC-1 is L2: it must be monitored for 30m 00s before it is resolved; monitored for 10m 00s, 20m 00s to go"))

        try ws.ok(["state", "resolved", "--reason", "fully recovered", "--at", "22:00"], now: at("22:03"))

        let status = try ws.ok(["status", "--incident", "INC-1"], now: at("23:30"))
        #expect(status == """
            INC-1  Document storage offline
              severity     L2 since 19:05
              state        resolved since 22:00
              elapsed      7h 48m (declared 14:12)
              first signal 14:07
              next update  none: the incident is resolved
              impact       All users: opens and saves fail
              commander    maria
              roles        communications lead: chen

            """)

        let timeline = try ws.ok(["timeline", "--incident", "1"], now: at("23:30"))
        let lines = timeline.split(separator: "\n").map(String.init)
        #expect(lines[0] == "INC-1  L2  resolved  Document storage offline")
        #expect(lines[1] == "times in UTC on 2026-11-20")
        let order = lines.dropFirst(2).map { String($0.dropFirst(4).prefix(8)) }
        #expect(order == ["14:07:00", "14:12:00", "14:14:00", "14:15:00", "14:20:00", "14:21:00", "14:22:00", "14:50:00",
                          "15:00:00", "15:10:00", "19:00:00", "19:05:00", "21:00:00", "22:00:00"])
        #expect(lines[2] == "#2  14:07:00  note       maria: alert fired: storage health check failing on 14 of 20 nodes  [recorded 14:14:00]")
        #expect(lines.contains("#5  14:20:00  severity   maria: L2 → L1: data at risk: nodes wiped by ops tool"))
        #expect(lines.contains("#6  14:21:00  handoff    maria: maria hands communications lead to chen; maria keeps it until chen accepts"))
        #expect(lines.contains("#9  15:00:00  decision   maria: plan changed: restore from backup  [recorded 15:02:00]"))
        #expect(lines.last == "#14 22:00:00  state      maria: monitoring → resolved: fully recovered  [recorded 22:03:00]")

        // A resolved incident is not active: status without --incident says so instead of guessing.
        let none = try ws.run(["status"], now: at("23:30"))
        #expect(none.status == 1)
        #expect(none.stderr.contains("no active incident"))
    }

    @Test func statusJSONReportsTheUpdateClock() throws {
        let ws = try Workspace()
        try ws.ok(["declare", "--severity", "L3", "Search slow", "--at", "14:00"], now: at("14:00"))
        func status(_ now: String) throws -> [String: Any] {
            let array = try JSONSerialization.jsonObject(with: Data(try ws.ok(["status", "--json"], now: now).utf8)) as! [[String: Any]]
            #expect(array.count == 1)
            return array[0]
        }
        let scheduled = try status(at("14:10"))
        #expect(scheduled["update_status"] as? String == "scheduled")
        #expect(scheduled["next_update_due"] as? String == "2026-11-20T14:30:00.000Z")
        #expect(scheduled["seconds_until_update"] as? Int == 1200)
        #expect(scheduled["elapsed_seconds"] as? Int == 600)
        #expect(try status(at("14:28"))["update_status"] as? String == "due_soon")
        let late = try status(at("14:31"))
        #expect(late["update_status"] as? String == "overdue")
        #expect(late["seconds_until_update"] as? Int == -60)
        #expect(late["severity"] as? String == "L3")
        #expect(late["state"] as? String == "declared")
        #expect(late["commander"] as? String == "maria")
    }

    @Test func timelineShowsDatesWhenAnIncidentSpansMidnight() throws {
        let ws = try Workspace()
        try ws.ok(["declare", "--severity", "L2", "Late night", "--at", "23:50"], now: "2026-11-20T23:55:00Z")
        try ws.ok(["log", "after midnight"], now: "2026-11-21T00:10:00Z")
        let timeline = try ws.ok(["timeline"], now: "2026-11-21T00:10:00Z")
        #expect(timeline.contains("#1 2026-11-20 23:50:00  declared"))
        #expect(timeline.contains("#2 2026-11-21 00:10:00  note"))
        // A bare HH:MM later than now means yesterday.
        try ws.ok(["log", "--at", "23:58", "typed after midnight"], now: "2026-11-21T00:12:00Z")
        #expect(try ws.export().last?["occurred_at"] as? String == "2026-11-20T23:58:00.000Z")
    }

    @Test func correctionsKeepTheOriginal() throws {
        let ws = try Workspace()
        try ws.ok(["declare", "--severity", "L2", "Storage offline"], now: at("14:20"))
        try ws.ok(["log", "restore at 18%"], now: at("14:30"))
        try ws.ok(["correct", "#2", "restore at 28%"], now: at("14:31"))
        let timeline = try ws.ok(["timeline"], now: at("14:31"))
        #expect(timeline.contains("#2 14:30:00  note       maria: restore at 28%  [corrected by #3; was: restore at 18%]"))
        #expect(timeline.contains("#3 14:31:00  correction maria: corrects #2: restore at 28%"))
        let json = try JSONSerialization.jsonObject(with: Data(try ws.ok(["timeline", "--json"], now: at("14:31")).utf8)) as! [[String: Any]]
        #expect(json[1]["corrected_by"] as? [Int] == [3])
        #expect(json[1]["text"] as? String == "restore at 18%")
    }
}
