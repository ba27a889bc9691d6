import Foundation
import Testing
import WarroomTestSupport

/// The checkout's example contacts: L1 requires ic, tech-lead, comms and exec within 5 minutes.
private let example = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("contacts.example.yaml")

/// A workspace with the example contacts and an L1 incident declared at 14:00.
private func pagingWorkspace() throws -> Workspace {
    let ws = try Workspace()
    try FileManager.default.copyItem(at: example, to: ws.url.appendingPathComponent("contacts.yaml"))
    try ws.ok(["declare", "--severity", "L1", "Document storage offline"], now: "2026-11-20T14:00:00Z")
    return ws
}

@Suite("warroom page, ack, contacts lint")
struct PagingCommandTests {
    @Test func pageAckAndStatusTellTheStory() throws {
        let ws = try pagingWorkspace()
        defer { try? FileManager.default.removeItem(at: ws.url) }

        let before = try ws.ok(["status"], now: "2026-11-20T14:01:00Z")
        #expect(before.contains("engage       L1 requires ic, tech-lead, comms, exec: 0 of 4 engaged"))
        #expect(before.contains("not paged    ic (page Maria Okafor), tech-lead (page Tomás Novák), comms (page Chen Wei), exec (page Ana Ruiz)"))

        let paged = try ws.ok(["page", "tech-lead"], now: "2026-11-20T14:01:00Z")
        #expect(paged == """
            #2 INC-1 paged Tomás Novák (tech-lead, primary) by phone +420 2 5550 1002; ack due within 5m 00s
            Call Tomás Novák: +420 2 5550 1002 (15:01 their time, Europe/Prague)

            """)
        let waiting = try ws.ok(["status"], now: "2026-11-20T14:03:00Z")
        #expect(waiting.contains("awaiting ack Tomás Novák (tech-lead, primary) by phone, paged 14:01, due 14:06, in 3m 00s"))

        let overdue = try ws.ok(["status"], now: "2026-11-20T14:08:00Z")
        #expect(overdue.contains("ACK OVERDUE  Tomás Novák (tech-lead, primary) by phone, paged 14:01, was due 14:06, overdue by 2m 00s; "
            + "escalate: warroom page tech-lead pages Sam Lindqvist (secondary)"))

        let escalated = try ws.ok(["page", "tech-lead"], now: "2026-11-20T14:08:00Z")
        #expect(escalated.hasPrefix("#3 INC-1 paged Sam Lindqvist (tech-lead, secondary) by phone +46 8 555 010 22, "
            + "escalated: Tomás Novák did not acknowledge; ack due within 5m 00s\n"))
        let acked = try ws.ok(["ack", "tech-lead", "--at", "14:09"], now: "2026-11-20T14:10:00Z")
        #expect(acked == "#4 INC-1 Sam Lindqvist (tech-lead) acknowledged the page, 1m 00s after it went out\n")

        let after = try ws.ok(["status"], now: "2026-11-20T14:10:00Z")
        #expect(after.contains("1 of 4 engaged"))
        #expect(!after.contains("awaiting ack") && !after.contains("ACK OVERDUE"))

        let json = try ws.ok(["status", "--json"], now: "2026-11-20T14:10:00Z")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]]).first
        let paging = try #require(object?["paging"] as? [String: Any])
        #expect(paging["engaged"] as? [String] == ["tech-lead"])
        #expect(paging["not_paged"] as? [String] == ["ic", "comms", "exec"])

        let events = try ws.export()
        #expect(events.map { $0["kind"] as? String } == ["declared", "page", "page", "ack"])
        let page = try #require(events[2]["page"] as? [String: Any])
        #expect(page["escalates_from"] as? Int == 2 && page["tier"] as? String == "secondary" && page["ack_timeout_seconds"] as? Int == 300)
        #expect((events[3]["page"] as? [String: Any])?["acknowledges"] as? Int == 3)
    }

    @Test func aSeverityChangeSaysWhoTheNewLevelRequires() throws {
        let ws = try pagingWorkspace()
        defer { try? FileManager.default.removeItem(at: ws.url) }
        try ws.ok(["page", "ic"], now: "2026-11-20T14:01:00Z")
        try ws.ok(["ack", "maria"], now: "2026-11-20T14:02:00Z")
        let out = try ws.ok(["sev", "L3", "--reason", "workaround in place"], now: "2026-11-20T14:05:00Z")
        #expect(out.hasSuffix("L3 requires storage; not paged: storage\n"), "\(out)")
    }

    @Test func refusalsExitNonZeroAndRecordNothing() throws {
        let ws = try pagingWorkspace()
        defer { try? FileManager.default.removeItem(at: ws.url) }
        let cases: [([String], String)] = [
            (["page", "exec", "--via", "webhook"], "Ana Ruiz has no webhook channel in the contacts file"),
            (["page", "exec", "--via", "fax"], "--via must be one of phone, chat, webhook"),
            (["page", "nobody"], "no role or contact \"nobody\" in the contacts file; roles: ic, tech-lead, comms, exec, storage"),
            (["page", "acme-storage", "--via", "chat"], "Acme Storage support has no chat handle in the contacts file; page by phone (--via phone)"),
            (["ack", "comms"], "nobody matching \"comms\" has been paged on INC-1; page them first"),
        ]
        for (arguments, message) in cases {
            let result = try ws.run(arguments, now: "2026-11-20T14:01:00Z")
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        #expect(try ws.export().count == 1, "nothing refused was recorded")

        try FileManager.default.removeItem(at: ws.url.appendingPathComponent("contacts.yaml"))
        let missing = try ws.run(["page", "ic"], now: "2026-11-20T14:01:00Z")
        #expect(missing.status != 0 && missing.stderr.contains("no contacts file at"))
        try "people: [\n".write(to: ws.url.appendingPathComponent("contacts.yaml"), atomically: true, encoding: .utf8)
        let broken = try ws.run(["page", "ic"], now: "2026-11-20T14:01:00Z")
        #expect(broken.status != 0 && broken.stderr.contains("has problems, so nobody can be paged from it"))
        #expect(try ws.export().count == 1)
    }

    @Test func lintPrintsPathLineMessageAndExitsNonZero() throws {
        let ws = try Workspace()
        defer { try? FileManager.default.removeItem(at: ws.url) }
        let file = ws.url.appendingPathComponent("contacts.yaml")
        let missing = try ws.run(["contacts", "lint"], now: "2026-11-20T14:00:00Z")
        #expect(missing.status != 0 && missing.stderr.contains("no contacts file at"))

        try FileManager.default.copyItem(at: example, to: file)
        let clean = try ws.run(["contacts", "lint"], now: "2026-11-20T14:00:00Z")
        #expect(clean.status == 0)
        #expect(clean.stdout.hasSuffix("contacts.yaml: 12 contacts, 10 roles: no problems\n"), "\(clean.stdout)")

        let text = try String(contentsOf: file, encoding: .utf8)
            .replacingOccurrences(of: "timezone: Europe/Prague", with: "timezone: Europe/Praha")
            .replacingOccurrences(of: "engage: [ic, tech-lead, comms, exec]", with: "engage: [ic, tech-lead, comms, execs]")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let bad = try ws.run(["contacts", "lint", file.path], now: "2026-11-20T14:00:00Z")
        #expect(bad.status == 1)
        #expect(bad.stdout == """
            \(file.path):25: unknown time zone "Europe/Praha" for tomas: use an IANA name like Europe/Berlin
            \(file.path):156: L1 engages "execs", which is not in roles

            """)
        #expect(bad.stderr.contains("2 problems in \(file.path)"))
    }
}
