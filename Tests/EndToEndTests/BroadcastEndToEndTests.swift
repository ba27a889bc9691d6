import Foundation
import Testing
import WarroomTestSupport

/// An L2 incident on an accelerated clock goes overdue, the header says so, `b` and Enter send the drafted update,
/// a real HTTP receiver gets it, and the header counts down to the next one.
@Suite(.serialized, .enabled(if: TmuxConsole.isAvailable, "tmux is not installed; the end-to-end tests drive the console in tmux"))
struct BroadcastEndToEndTests {
    static let declaredAt = "2025-03-14T14:00:00Z"
    static let title = "Checkout errors in eu-west"

    /// `next update M:SS` in the header, in seconds; nil when the header shows something else.
    private func countdown(_ screen: String) -> Int? {
        guard let header = screen.split(separator: "\n").first, let range = header.range(of: "next update ") else { return nil }
        let parts = header[range.upperBound...].prefix { $0.isNumber || $0 == ":" }.split(separator: ":").compactMap { Int($0) }
        return parts.count == 2 ? parts[0] * 60 + parts[1] : nil
    }

    @Test func anOverdueUpdateIsSentFromTheConsoleAndTheCountdownRestarts() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Warroom.path), "no warroom binary at \(Warroom.path)")
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        let ws = FileManager.default.temporaryDirectory.appendingPathComponent("warroom-e2e-bcast-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: ws, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: ws) }
        try """
            channels:
              - {name: e2e-hook, type: webhook, format: generic, url: "\(receiver.url)"}
            """.write(to: ws.appendingPathComponent("warroom.yaml"), atomically: true, encoding: .utf8)
        try Warroom.must(["declare", "--severity", "L2", Self.title, "--impact", "card payments fail"], workspace: ws,
                         environment: ["WARROOM_NOW": Self.declaredAt])

        // Thirty seconds before the first update is due, at ten clock seconds per real second.
        let console = try TmuxConsole(workspace: ws, environment: [
            "WARROOM_CLOCK_START": "2025-03-14T14:14:30Z", "WARROOM_CLOCK_SPEED": "10",
        ])
        defer { console.close() }
        try console.waitFor("the first frame") { $0.contains(Self.title) && $0.contains("┌") }

        let overdue = try console.waitFor("OVERDUE in the header", timeout: 15) {
            $0.split(separator: "\n").first?.contains("OVERDUE +") == true
        }
        #expect(overdue.split(separator: "\n").first?.contains("L2") == true)
        #expect(try Warroom.must(["status"], workspace: ws, environment: ["WARROOM_NOW": "2025-03-14T14:16:00Z"])
            .contains("OVERDUE by 1m 00s"))

        try console.press("Escape")
        try console.press("b")
        let draft = try console.waitFor(text: "Status update (tactical) → e2e-hook")
        #expect(draft.contains("[L2][declared] \(Self.title) — card payments fail — assessing the impact"), "\(draft)")
        try console.press("Enter")

        let request = try #require(try receiver.waitForRequests(1, timeout: 10).first)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        #expect((body["message"] as? String)?.hasPrefix("[L2][declared] \(Self.title) — card payments fail") == true, "\(body)")
        #expect(body["incident"] as? String == "INC-1")
        #expect(request.header("Idempotency-Key") == body["idempotency_key"] as? String)

        // The header counts down from the new cadence, and keeps counting.
        let after = try console.waitFor("a fresh countdown in the header", timeout: 10) { screen in
            guard let seconds = countdown(screen) else { return false }
            return seconds > 0 && seconds <= 15 * 60 && !screen.split(separator: "\n").first!.contains("OVERDUE")
        }
        let first = try #require(countdown(after))
        try console.waitFor("the countdown moving", timeout: 10) { (countdown($0) ?? first) < first }
        // The delivery lands on the timeline under the channel's name (the update's number follows any runbook entries).
        try console.waitFor("the delivery on the timeline") { $0.firstMatch(of: /update #\d+ sent to e2e-hook/) != nil }
        #expect(receiver.requests.count == 1, "sent once")
    }
}
