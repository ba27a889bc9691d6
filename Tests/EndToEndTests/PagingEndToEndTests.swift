import Foundation
import Testing

/// Paging in the real console: declare L1, see who is missing, page, let the accelerated clock run out the
/// acknowledgement, escalate, acknowledge, and find it all on the timeline.
@Suite(.serialized, .enabled(if: TmuxConsole.isAvailable, "tmux is not installed; the end-to-end tests drive the console in tmux"))
struct PagingEndToEndTests {
    /// The repository's example contacts: L1 requires ic, tech-lead, comms and exec within 5 minutes.
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("contacts.example.yaml")

    private func workspace() throws -> URL {
        try #require(FileManager.default.isExecutableFile(atPath: Warroom.path), "no warroom binary at \(Warroom.path)")
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("warroom-paging-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.example, to: url.appendingPathComponent("contacts.yaml"))
        return url
    }

    /// The inside of the contacts pane (the right-hand pane of the top band) at 100 columns.
    private func contactsPane(_ screen: String) -> String {
        screen.split(separator: "\n", omittingEmptySubsequences: false).prefix(12).map { line in
            String(line.dropFirst(70))
        }.joined(separator: "\n")
    }

    @Test func declarePageTimeOutEscalateAcknowledge() throws {
        let ws = try workspace()
        // 20×: the five-minute acknowledgement runs out in fifteen real seconds.
        let console = try TmuxConsole(workspace: ws, environment: [
            "WARROOM_CLOCK_START": "2025-03-14T14:00:00Z", "WARROOM_CLOCK_SPEED": "20",
        ])
        defer {
            console.close()
            try? FileManager.default.removeItem(at: ws)
        }
        try console.waitFor("the first frame") { $0.contains("┌") && $0.contains("Contacts") }

        try console.enter("/declare L1 Document storage offline")
        let declared = try console.waitFor("the required roles listed as missing") { screen in
            let pane = self.contactsPane(screen)
            return ["ic", "tech-lead", "comms", "exec"].allSatisfy { role in
                pane.split(separator: "\n").contains { $0.contains(role) && $0.contains("missing") }
            }
        }
        #expect(contactsPane(declared).contains("L1 0/4 engaged"), "\(declared)")

        try console.enter("/page tech-lead")
        let prompt = try console.waitFor(text: "y/n")
        #expect(prompt.contains("Page Tomás Novák (tech-lead, primary): call +420 2 5550 1002"), "the number to call is shown:\n\(prompt)")
        try console.press("y")
        try console.waitFor("the ack countdown") { screen in
            self.contactsPane(screen).split(separator: "\n").contains { $0.contains("tech-lead") && $0.contains("ack ") }
        }

        // The accelerated clock runs the five minutes out: the console flags it and names the next tier.
        let late = try console.waitFor("the escalation prompt", timeout: 30) { $0.contains("No ack from Tomás Novák") }
        #expect(late.contains("escalate to Sam Lindqvist (secondary)"), "\(late)")
        #expect(contactsPane(late).contains("LATE"), "\(late)")

        try console.enter("/page tech-lead")
        let escalation = try console.waitFor(text: "y/n")
        #expect(escalation.contains("Sam Lindqvist") && escalation.contains("escalating from Tomás Novák"), "\(escalation)")
        try console.press("y")
        try console.waitFor("Sam's page waiting") { screen in
            self.contactsPane(screen).split(separator: "\n").contains { $0.contains("tech-lead") && $0.contains("ack ") }
        }

        try console.enter("/ack tech-lead")
        let acked = try console.waitFor("tech-lead engaged") { screen in
            self.contactsPane(screen).split(separator: "\n").contains { $0.contains("tech-lead") && $0.contains("✓") }
        }
        #expect(contactsPane(acked).contains("L1 1/4 engaged"), "\(acked)")

        let timeline = try Warroom.must(["timeline"], workspace: ws)
        let lines = timeline.split(separator: "\n")
        let first = try #require(lines.first { $0.contains("paged Tomás Novák (tech-lead, primary) by phone +420 2 5550 1002") }, "\(timeline)")
        let second = try #require(lines.first { $0.contains("paged Sam Lindqvist (tech-lead, secondary)") }, "\(timeline)")
        let ack = try #require(lines.first { $0.contains("Sam Lindqvist (tech-lead) acknowledged the page") }, "\(timeline)")
        #expect(second.contains("escalated: Tomás Novák did not acknowledge"))
        #expect(first.contains(" page ") && ack.contains(" ack "))
        #expect(lines.firstIndex(of: first)! < lines.firstIndex(of: second)! && lines.firstIndex(of: second)! < lines.firstIndex(of: ack)!)

        let status = try Warroom.must(["status"], workspace: ws, environment: ["WARROOM_NOW": "2025-03-14T15:00:00Z"])
        #expect(status.contains("L1 requires ic, tech-lead, comms, exec: 1 of 4 engaged"), "\(status)")
        #expect(status.contains("not paged    ic (page Maria Okafor), comms (page Chen Wei), exec (page Ana Ruiz)"), "\(status)")
    }

    /// Fixing contacts.yaml while the console is open: the console reads it again within a second or two.
    @Test func anEditedContactsFileReachesTheOpenConsole() throws {
        let ws = try workspace()
        let console = try TmuxConsole(workspace: ws, environment: ["WARROOM_CLOCK_START": "2025-03-14T14:00:00Z"])
        defer {
            console.close()
            try? FileManager.default.removeItem(at: ws)
        }
        try console.waitFor("the first frame") { $0.contains("┌") && $0.contains("Contacts") }
        try console.enter("/declare L1 Document storage offline")
        try console.waitFor("Maria as the commander to page") { self.contactsPane($0).contains("Maria Okafor") }

        let file = ws.appendingPathComponent("contacts.yaml")
        let edited = try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: "name: Maria Okafor", with: "name: Maria Okafor-Ng")
        try edited.write(to: file, atomically: true, encoding: .utf8)
        let screen = try console.waitFor("the edited name in the pane", timeout: 10) { self.contactsPane($0).contains("Maria Okafor-Ng") }
        #expect(screen.contains("contacts.yaml changed: 12 contacts, 10 roles loaded"), "\(screen)")

        try "people: [".write(to: file, atomically: true, encoding: .utf8)
        let broken = try console.waitFor("the broken file reported", timeout: 10) { $0.contains("contacts.yaml has 1 problem") }
        #expect(!contactsPane(broken).contains("Maria Okafor-Ng"), "\(broken)")
    }
}
