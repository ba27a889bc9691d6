import Foundation
import Testing

/// The real `warroom` binary in a real (tmux) terminal: typing, resizing, other writers, quitting and signals.
@Suite(.serialized, .enabled(if: TmuxConsole.isAvailable, "tmux is not installed; the end-to-end tests drive the console in tmux"))
struct ConsoleEndToEndTests {
    /// When the test incident was declared, and when the console's clock starts: half an hour later.
    static let declaredAt = "2025-03-14T14:00:00Z"
    static let consoleStart = "2025-03-14T14:30:00Z"
    static let title = "Checkout errors in eu-west"

    /// A fresh workspace with one L2 incident declared through the CLI.
    private func workspace() throws -> URL {
        try #require(FileManager.default.isExecutableFile(atPath: Warroom.path), "no warroom binary at \(Warroom.path)")
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("warroom-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try Warroom.must(["declare", "--severity", "L2", Self.title], workspace: url, environment: ["WARROOM_NOW": Self.declaredAt])
        return url
    }

    /// Opens the console on `workspace` and waits for its first full frame.
    private func console(_ workspace: URL, environment: [String: String] = [:], width: Int = 100, height: Int = 30) throws -> TmuxConsole {
        var env = ["WARROOM_CLOCK_START": Self.consoleStart]
        for (k, v) in environment { env[k] = v }
        let console = try TmuxConsole(workspace: workspace, environment: env, width: width, height: height)
        do {
            try console.waitFor("the first frame with the incident") { $0.contains(Self.title) && $0.contains("┌") }
        } catch {
            console.close()
            throw error
        }
        return console
    }

    private func cleanUp(_ console: TmuxConsole, _ workspace: URL) {
        console.close()
        try? FileManager.default.removeItem(at: workspace)
    }

    @Test func notesAndBackdatedNotesAppearOnScreenAndInTheTimeline() throws {
        let ws = try workspace()
        let console = try console(ws)
        defer { cleanUp(console, ws) }

        try console.enter("cache hit rate fell to 40%")
        try console.waitFor(text: "cache hit rate fell to 40%")
        try console.enter("/at 14:07 alert fired: storage nodes offline")
        // Timeline rows sit inside the pane border; the command line still echoing the text does not count.
        func timelineRow(_ line: Substring, _ text: String) -> Bool { line.hasPrefix("│") && line.contains(text) }
        let screen = try console.waitFor("the backdated entry on the timeline") {
            $0.split(separator: "\n").contains { timelineRow($0, "alert fired: storage nodes offline") }
        }
        // Backdated entries sit in the timeline by when they happened: before the note typed first.
        let lines = screen.split(separator: "\n")
        let backdated = try #require(lines.firstIndex { timelineRow($0, "alert fired") })
        let typed = try #require(lines.firstIndex { timelineRow($0, "cache hit rate") })
        #expect(backdated < typed)
        #expect(lines[backdated].contains("14:07"))

        let timeline = try Warroom.must(["timeline"], workspace: ws)
        let entry = try #require(timeline.split(separator: "\n").first { $0.contains("alert fired: storage nodes offline") })
        #expect(entry.contains("14:07"))
        #expect(entry.contains("recorded 14:30"), "a backdated entry says when it was written down: \(entry)")
        #expect(timeline.contains("cache hit rate fell to 40%"))
    }

    @Test func severityAndStateChangesShowInTheHeaderAndTheTimeline() throws {
        let ws = try workspace()
        let console = try console(ws)
        defer { cleanUp(console, ws) }

        try console.enter("/sev L1 data at risk on 14 storage nodes")
        try console.waitFor("L1 in the header") { $0.split(separator: "\n").first?.contains("L1") == true }
        try console.enter("/state investigating")
        try console.waitFor("investigating in the header") { $0.split(separator: "\n").first?.contains("investigating") == true }

        let timeline = try Warroom.must(["timeline"], workspace: ws)
        let header = try #require(timeline.split(separator: "\n").first)
        #expect(header.contains("L1") && header.contains("investigating"), "\(header)")
        #expect(timeline.contains("L2 → L1: data at risk on 14 storage nodes"))
        #expect(timeline.contains("declared → investigating"))
    }

    @Test func anIllegalCommandIsRefusedOnScreenAndRecordsNothing() throws {
        let ws = try workspace()
        let console = try console(ws)
        defer { cleanUp(console, ws) }

        try console.enter("/state resolved")
        try console.waitFor(text: "cannot move from declared to resolved")
        let timeline = try Warroom.must(["timeline"], workspace: ws)
        #expect(!timeline.contains("→ resolved"))
    }

    @Test func resizingRedrawsAndTooSmallSaysSo() throws {
        let ws = try workspace()
        let console = try console(ws)
        defer { cleanUp(console, ws) }

        try console.resize(width: 120, height: 40)
        let large = try console.waitFor("a 120×40 frame") { screen in
            let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
            return lines.count >= 40 && lines.contains { $0.count == 120 && $0.hasPrefix("┌") && $0.hasSuffix("┐") }
        }
        #expect(large.contains(Self.title))

        try console.resize(width: 70, height: 20)
        try console.waitFor("the too-small message") { $0.lowercased().contains("too small") && !$0.contains("┌") }

        try console.resize(width: 100, height: 30)
        try console.waitFor("the frame back at 100×30") { screen in
            !screen.lowercased().contains("too small") && screen.contains(Self.title)
                && screen.split(separator: "\n").contains { $0.count == 100 && $0.hasPrefix("┌") && $0.hasSuffix("┐") }
        }
    }

    @Test func anotherProcessAppendingShowsUpWithinASecondOrTwo() throws {
        let ws = try workspace()
        let console = try console(ws)
        defer { cleanUp(console, ws) }

        let started = Date()
        try Warroom.must(["log", "from scribe: 客服已通知重点客户"], workspace: ws, environment: ["WARROOM_NOW": "2025-03-14T14:31:00Z"])
        let screen = try console.waitFor(text: "from scribe", timeout: 3)
        let latency = Date().timeIntervalSince(started)
        #expect(latency < 2, "took \(latency)s to appear")

        // Wide characters take two columns each: the timeline's right border stays in the last column.
        let line = try #require(screen.split(separator: "\n").first { $0.contains("from scribe") })
        #expect(line.contains("客服已通知重点客户"))
        let columns = line.unicodeScalars.reduce(0) { $0 + (($1.value >= 0x3000 && $1.value <= 0x9FFF) ? 2 : 1) }
        #expect(columns == 100 && line.hasSuffix("│"), "misaligned: \(line)")
    }

    @Test func quittingRestoresTheTerminal() throws {
        let ws = try workspace()
        let console = try console(ws)
        defer { cleanUp(console, ws) }

        try console.press("Escape")
        try console.press("q")
        try console.waitFor(text: "y/n")
        try console.press("y")
        let after = try console.waitFor("the shell after exit") { $0.contains("EXITED 0") }
        #expect(!after.contains("┌") && !after.contains(Self.title), "the console frame is still on screen:\n\(after)")
    }

    @Test func slashQuitAsksFirstWhileTheIncidentIsActive() throws {
        let ws = try workspace()
        let console = try console(ws)
        defer { cleanUp(console, ws) }

        try console.enter("/quit")
        try console.waitFor(text: "y/n")
        try console.press("n")
        try console.waitFor("the console still open") { !$0.contains("y/n") && $0.contains(Self.title) }
        try console.enter("/quit")
        try console.waitFor(text: "y/n")
        try console.press("y")
        try console.waitFor(text: "EXITED 0")
    }

    @Test func withoutColourStylesBecomeAttributes() throws {
        let ws = try workspace()
        let console = try console(ws, environment: ["TERM": "vt100"])
        defer { cleanUp(console, ws) }

        let screen = try console.screen(escapes: true)
        #expect(!showsColour(screen), "vt100 has no colour, yet colour was drawn:\n\(screen)")
        #expect(sgrParameters(in: screen).contains { $0.contains(1) || $0.contains(7) }, "no bold or reverse either")
        try console.press("Escape")
        try console.press("q")
        try console.waitFor(text: "y/n")
        try console.press("y")
        // vt100 has no alternate screen: the console clears its frame itself.
        let after = try console.waitFor("the shell after exit") { $0.contains("EXITED 0") }
        #expect(!after.contains("┌"), "the console frame is still on screen:\n\(after)")
    }

    @Test func inColourTheSeverityIsColoured() throws {
        let ws = try workspace()
        let console = try console(ws)
        defer { cleanUp(console, ws) }
        let screen = try console.screen(escapes: true)
        #expect(showsColour(screen), "no colour on a colour terminal:\n\(screen)")
    }

    @Test func escapeSequencesInANoteAreShownInert() throws {
        let ws = try workspace()
        try Warroom.must(["log", "boom \u{1B}[2J\u{1B}[H\u{1B}]0;pwned\u{07} still here"], workspace: ws,
                         environment: ["WARROOM_NOW": "2025-03-14T14:10:00Z"])
        let console = try console(ws)
        defer { cleanUp(console, ws) }

        let screen = try console.waitFor(text: "still here")
        #expect(screen.contains("␛[2J"), "the escape should be shown as a symbol:\n\(screen)")
        #expect(screen.contains(Self.title) && screen.contains("┌"), "the frame was disturbed:\n\(screen)")
        let windowTitle = try console.paneTitle()
        #expect(!windowTitle.contains("pwned"), "an OSC sequence in a note set the window title")
    }

    @Test func sigtermRestoresTheTerminal() throws {
        let ws = try workspace()
        let console = try console(ws)
        defer { cleanUp(console, ws) }

        kill(try console.consolePID(), SIGTERM)
        let after = try console.waitFor("the shell after SIGTERM") { $0.contains("EXITED 143") }
        #expect(!after.contains("┌"), "the console frame is still on screen:\n\(after)")
    }

    @Test func aCrashRestoresTheTerminal() throws {
        let ws = try workspace()
        let console = try console(ws)
        defer { cleanUp(console, ws) }

        // The crash handler cannot tell a sent SIGSEGV from a real fault: both restore and re-raise.
        kill(try console.consolePID(), SIGSEGV)
        let after = try console.waitFor("the shell after the crash") { $0.contains("EXITED 139") }
        #expect(!after.contains("┌"), "the console frame is still on screen:\n\(after)")
        // Cooked mode is back: the shell's output starts at the left edge.
        let exited = try #require(after.split(separator: "\n").first { $0.contains("EXITED") })
        #expect(exited.hasPrefix("EXITED"), "the terminal was left in raw mode: \(exited)")
    }

    @Test func anAcceleratedClockMakesTimePassFast() throws {
        let ws = try workspace()
        // Starts at declaration; 600× makes each real second ten minutes.
        let console = try console(ws, environment: ["WARROOM_CLOCK_START": Self.declaredAt, "WARROOM_CLOCK_SPEED": "600"])
        defer { cleanUp(console, ws) }

        try console.waitFor("the header's elapsed time past 15 minutes", timeout: 8) { screen in
            guard let header = screen.split(separator: "\n").first, let range = header.range(of: "elapsed ") else { return false }
            let reading = header[range.upperBound...].prefix { $0 != " " }
            if reading.hasSuffix("h") || reading.hasSuffix("d") { return true }
            return reading.hasSuffix("m") && (Int(reading.dropLast()) ?? 0) >= 15
        }
        try console.enter("noted at an accelerated time")
        try console.waitFor(text: "noted at an accelerated time")
        let timeline = try Warroom.must(["timeline"], workspace: ws)
        let entry = try #require(timeline.split(separator: "\n").first { $0.contains("noted at an accelerated time") })
        #expect(!entry.contains(" 14:0"), "recorded with the wall clock, not the console's: \(entry)")
    }
}
