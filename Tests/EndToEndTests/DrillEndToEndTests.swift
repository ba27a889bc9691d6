import Foundation
import Testing
import WarroomTestSupport

/// A drill in the real console at 60×: the header says DRILL, injects arrive on the timeline, a step is checked and
/// a broadcast sent, /end-drill shows the score card, and neither the real webhook nor the real file hears anything.
@Suite(.serialized, .enabled(if: TmuxConsole.isAvailable, "tmux is not installed; the end-to-end tests drive the console in tmux"))
struct DrillEndToEndTests {
    @Test func aDrillRunsFastSendsOnlyToTheSinkAndEndsWithAScoreCard() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Warroom.path), "no warroom binary at \(Warroom.path)")
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        let ws = FileManager.default.temporaryDirectory.appendingPathComponent("warroom-e2e-drill-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: ws, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: ws) }
        // Real channels that take every severity and both audiences: a drill must reach neither.
        try """
            channels:
              - {name: ops-hook, type: webhook, format: generic, url: "\(receiver.url)", audience: [tactical, executive]}
              - {name: ops-log, type: file, path: real-updates.log, audience: [tactical, executive]}
            """.write(to: ws.appendingPathComponent("warroom.yaml"), atomically: true, encoding: .utf8)

        // One drill minute per real second.
        let console = try TmuxConsole(workspace: ws, arguments: ["drill", "storage-nodes-offline", "--speed", "60"], width: 120, height: 40)
        defer { console.close() }
        var screen = try console.waitFor("the drill's header and its first inject", timeout: 10) {
            $0.split(separator: "\n").first?.contains("DRILL-1") == true && $0.contains("DRILL T+") && $0.contains("60×")
                && $0.contains("T+0m alert: storage nodes offline")
        }
        #expect(screen.contains("drill-sink.log"), "the start notice names the sink:\n\(screen)")

        // Check the first step from the Runbooks pane (Tab from the command line: status, then runbooks).
        try console.press("Tab")
        try console.press("Tab")
        try console.press("Space")
        try console.waitFor("the step checked, and on the timeline") {
            $0.contains("[x]  1 Declare the incident") && $0.contains("done #1 Declare the incident")
        }

        // Draft and send a status update: it is addressed to the drill sink only.
        try console.press("b")
        try console.waitFor(text: "Status update (tactical) → drill-sink")
        try console.press("Enter")
        try console.waitFor("the delivery to the sink on the timeline", timeout: 10) { $0.firstMatch(of: /update #\d+ sent to drill-sink/) != nil }

        // The clock runs on: the T+4m inject arrives by itself, and the header counts drill time.
        screen = try console.waitFor("the T+4m inject", timeout: 15) { $0.contains("T+4m note: the nightly cleanup job") }
        #expect(screen.split(separator: "\n").first?.contains("DRILL") == true)

        try console.press("/")
        try console.type("end-drill")
        try console.press("Enter")
        try console.waitFor(text: "End the drill DRILL-1 now?")
        try console.press("y")
        screen = try console.waitFor("the score card", timeout: 10) {
            $0.contains("Score card — DRILL-1") && $0.contains("# Drill score card: DRILL-1")
        }
        #expect(screen.split(separator: "\n").first?.contains("DRILL ended") == true, "\(screen)")
        // An ended drill is not under way: quitting does not ask.
        try console.press("Escape")
        try console.enter("/quit")
        screen = try console.waitFor("the printed score card and a clean exit", timeout: 10) {
            $0.contains("Score card written to postmortems/DRILL-1-scorecard.md") && $0.contains("EXITED 0")
        }

        let card = try String(contentsOf: ws.appendingPathComponent("postmortems/DRILL-1-scorecard.md"), encoding: .utf8)
        #expect(card.hasPrefix("# Drill score card: DRILL-1 — Ops tool takes production storage nodes offline"))
        #expect(card.contains("with the clock at 60×"))
        #expect(card.contains("| Storage nodes lost — restore from backup and verify integrity (storage-restore-from-backup) | 1 | 0 | 22 |"),
                "\(card)")
        #expect(card.contains("## What to practise next"))

        let sink = try String(contentsOf: ws.appendingPathComponent("drill-sink.log"), encoding: .utf8)
        #expect(sink.contains("== DRILL-1 · L2 · declared · tactical · DRILL"))
        #expect(sink.contains("[DRILL][L2][declared] Ops tool takes production storage nodes offline"))
        #expect(receiver.requests.isEmpty, "a drill must not reach a real webhook")
        #expect(!FileManager.default.fileExists(atPath: ws.appendingPathComponent("real-updates.log").path))

        let timeline = try Warroom.must(["timeline", "--incident", "DRILL-1"], workspace: ws)
        #expect(timeline.contains("drill started: scenario storage-nodes-offline, clock at 60×"))
        #expect(timeline.contains("T+4m note: the nightly cleanup job"))
        #expect(timeline.contains("drill ended (/end-drill)"))
        let history = try Warroom.must(["drill", "history"], workspace: ws)
        #expect(history.contains("storage-nodes-offline") && history.contains("DRILL-1"), "\(history)")
    }

    /// Quitting mid-drill leaves it running; opening the console on it resumes its clock and its injects.
    @Test func aDrillLeftRunningResumesWhereItStopped() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Warroom.path), "no warroom binary at \(Warroom.path)")
        let ws = FileManager.default.temporaryDirectory.appendingPathComponent("warroom-e2e-drill-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: ws, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: ws) }

        // 20×: the T+5m inject is fifteen real seconds away, long after this console has quit.
        let first = try TmuxConsole(workspace: ws, arguments: ["drill", "lb-node-memory", "--speed", "20"], width: 120, height: 40)
        defer { first.close() }
        try first.waitFor("the first inject", timeout: 10) { $0.contains("T+0m alert: lb-03 unreachable") }
        try first.enter("/quit")
        try first.waitFor(text: "Quit while DRILL-1 is active?")
        try first.press("y")
        let left = try first.waitFor("the way back printed", timeout: 10) { $0.contains("EXITED 0") }
        #expect(left.contains("DRILL-1 is still running: `warroom drill lb-node-memory` resumes it"), "\(left)")
        first.close()

        func injects() throws -> [String] {
            try Warroom.must(["export", "--incident", "DRILL-1"], workspace: ws).split(separator: "\n").compactMap { line in
                let event = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                return event?["kind"] as? String == "inject" ? event?["text"] as? String : nil
            }
        }
        let before = try injects()
        #expect(!before.isEmpty && !before.contains("network on-call"), "quit before T+5m: \(before)")
        let again = try TmuxConsole(workspace: ws, arguments: ["console", "--incident", "DRILL-1"], width: 120, height: 40)
        defer { again.close() }
        let screen = try again.waitFor("the T+5m inject, fired by the reopened drill", timeout: 30) {
            $0.contains("T+5m unanswered: network on-call")
        }
        #expect(screen.split(separator: "\n").first?.contains("DRILL T+") == true, "\(screen)")
        #expect(try injects().contains("network on-call"))
    }
}
