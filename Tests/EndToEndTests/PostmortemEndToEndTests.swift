import Foundation
import Testing

/// A resolved incident in the real console: closing is refused, `/postmortem` writes the file and records it, and
/// then the incident closes.
@Suite(.serialized, .enabled(if: TmuxConsole.isAvailable, "tmux is not installed; the end-to-end tests drive the console in tmux"))
struct PostmortemEndToEndTests {
    static let title = "Search index stale"

    @Test func thePostmortemIsWrittenFromTheConsoleAndTheIncidentCloses() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Warroom.path), "no warroom binary at \(Warroom.path)")
        let ws = FileManager.default.temporaryDirectory.appendingPathComponent("warroom-e2e-pm-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: ws, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: ws) }
        let at = ["WARROOM_NOW": "2025-03-14T14:00:00Z"]
        try Warroom.must(["declare", "--severity", "L3", Self.title], workspace: ws, environment: at)
        try Warroom.must(["log", "--at", "13:52", "alert: index lag above 10 minutes"], workspace: ws, environment: at)
        for state in ["investigating", "identified", "mitigating", "monitoring", "resolved"] {
            try Warroom.must(["state", state], workspace: ws, environment: ["WARROOM_NOW": "2025-03-14T14:20:00Z"])
        }

        let console = try TmuxConsole(workspace: ws, arguments: ["--incident", "INC-1"],
                                      environment: ["WARROOM_CLOCK_START": "2025-03-14T14:30:00Z"])
        defer { console.close() }
        try console.waitFor("the first frame") { $0.contains(Self.title) && $0.contains("┌") }

        try console.enter("/state closed")
        try console.waitFor(text: "can be closed only after its postmortem has been generated")

        // A refused line stays for fixing: clear it first.
        try console.press("C-u")
        try console.enter("/postmortem")
        try console.waitFor(text: "postmortem written to postmortems/INC-1.md")
        let file = ws.appendingPathComponent("postmortems/INC-1.md")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.hasPrefix("# Postmortem: INC-1 \(Self.title)\n"))
        #expect(text.contains("| First signal | 13:52 |"))
        #expect(text.contains("| MTTD | time to declare | first signal → declared | 8m |"))

        try console.enter("/state closed")
        try console.waitFor("closed in the header") { $0.split(separator: "\n").first?.contains("closed") == true }
        let timeline = try Warroom.must(["timeline", "--incident", "1"], workspace: ws)
        #expect(timeline.contains("postmortem written to postmortems/INC-1.md"))
        #expect(timeline.contains("resolved → closed"))
    }
}
