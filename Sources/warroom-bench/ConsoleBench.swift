import ChildProcess
import Console
import Foundation
import IncidentCore
import IncidentStore
import Terminal

/// The console's benchmark sections: launch to first frame, and what one keystroke costs on the wire.
enum ConsoleBench {
    /// Events in the incident both sections open.
    static let eventCount = 10_000
    static let width = 120, height = 40
    static let title = "Checkout API error rate above 5% in eu-west"

    /// `warroom-bench console-launch`: open the store, load, fold, render and flush the first full frame.
    static let launchSection = BenchSection(
        name: "console-launch", title: "Console: launch to first full frame, \(eventCount)-event incident",
        run: runLaunch)

    /// `warroom-bench console-keys`: bytes written to the terminal and time taken per keystroke.
    static let keystrokeSection = BenchSection(
        name: "console-keys", title: "Console: one keystroke on a full \(width)×\(height) screen",
        run: runKeystrokes)

    /// Both, in the order they are best read.
    static let sections = [launchSection, keystrokeSection]

    // MARK: - Launch

    static func runLaunch() throws -> [Figure] {
        let workspace = try scratchDirectory("console-launch")
        defer { try? FileManager.default.removeItem(at: workspace) }
        let now = try seed(workspace)
        let sink = try TerminalSink()
        defer { sink.close() }

        var samples = Samples(capacity: 7)
        var phases: [String: Samples] = [:]
        for _ in 0..<7 {
            var marks: [(String, Double)] = []
            let (_, total) = try milliseconds {
                let (store, open) = try milliseconds { try SQLiteEventStore.open(workspace: workspace) }
                let (events, load) = try milliseconds { try loadAll(store) }
                var model = ConsoleModel(now: now, timeZone: TimeZone(identifier: "UTC")!, width: width, height: height, actor: "bench")
                let (_, fold) = milliseconds { _ = model.update(.loaded(events)) }
                let (frame, render) = milliseconds { model.render() }
                let (_, flush) = try milliseconds {
                    let screen = try sink.screen()
                    screen.draw(frame, cursor: model.cursor)
                    screen.end()
                }
                marks = [("open", open), ("load", load), ("fold", fold), ("render", render), ("flush", flush)]
                guard frame.lines.joined().contains("Checkout") else { throw BenchFailure("the first frame does not show the incident") }
            }
            samples.record(total)
            for (name, value) in marks { phases[name, default: Samples()].record(value) }
        }
        let breakdown = ["open", "load", "fold", "render", "flush"]
            .map { "\($0) \(Figure.format(phases[$0]?.percentile(50) ?? 0))" }.joined(separator: ", ")
        var figures = [
            Figure("in-process: open to first frame flushed (p50)", samples.percentile(50), "ms",
                   target: .atMost(500), detail: breakdown + " ms; " + samples.summary),
        ]
        if let binary = try launchBinary(workspace: workspace, now: now) { figures.append(binary) }
        return figures
    }

    /// The real `warroom` binary (beside this one) in a tmux window: spawn until the loaded incident is on screen.
    private static func launchBinary(workspace: URL, now: Date) throws -> Figure? {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("warroom").path
        guard let tmux = ["/usr/bin/tmux", "/usr/local/bin/tmux"].first(where: FileManager.default.isExecutableFile(atPath:)),
              FileManager.default.isExecutableFile(atPath: binary)
        else {
            print("  (skipped the real binary's launch: needs tmux and the warroom binary beside warroom-bench)")
            return nil
        }
        let socket = "warroom-bench-\(getpid())"
        let output = workspace.appendingPathComponent("tmux.out")
        func run(_ arguments: [String]) -> String {
            var env = ProcessInfo.processInfo.environment
            env["LANG"] = "C.UTF-8"
            env.removeValue(forKey: "TMUX")
            _ = try? ChildProcess.run(tmux, ["-u", "-f", "/dev/null", "-L", socket] + arguments, environment: env, output: output.path)
            return (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        }
        defer { _ = run(["kill-server"]) }
        _ = run(["new-session", "-d", "-x", "\(width)", "-y", "\(height)", "-s", "bench", "sleep 600"])
        let iso = ISO8601DateFormatter().string(from: now)
        let command = "env TZ=UTC WARROOM_CLOCK_START=\(iso) '\(binary)' --workspace '\(workspace.path)'"

        var samples = Samples(capacity: 5)
        for _ in 0..<5 {
            _ = run(["respawn-pane", "-k", "-t", "bench", command])
            let start = ContinuousClock.now
            let deadline = start + .seconds(10)
            var shown = false
            while ContinuousClock.now < deadline {
                let screen = run(["capture-pane", "-p", "-t", "bench"])
                // The title appears only once the log is loaded and folded; the border, once the frame is drawn.
                if screen.contains("Checkout"), screen.contains("┌") {
                    shown = true
                    break
                }
                Thread.sleep(forTimeInterval: 0.005)
            }
            guard shown else { throw BenchFailure("the warroom binary did not show the incident within 10 s") }
            let elapsed = (ContinuousClock.now - start).components
            samples.record(Double(elapsed.seconds) * 1000 + Double(elapsed.attoseconds) / 1e15)
        }
        return Figure("real binary in tmux: spawn to incident shown (p50)", samples.percentile(50), "ms",
                      target: .atMost(1000), detail: samples.summary + "; includes tmux polling")
    }

    // MARK: - Keystrokes

    static func runKeystrokes() throws -> [Figure] {
        let workspace = try scratchDirectory("console-keys")
        defer { try? FileManager.default.removeItem(at: workspace) }
        let now = try seed(workspace)
        let store = try SQLiteEventStore.open(workspace: workspace)
        var model = ConsoleModel(now: now, timeZone: TimeZone(identifier: "UTC")!, width: width, height: height, actor: "bench")
        _ = model.update(.loaded(try loadAll(store)))

        let sink = try TerminalSink()
        defer { sink.close() }
        let screen = try sink.screen()
        defer { screen.end() }
        let firstFrame = sink.measure { screen.draw(model.render(), cursor: model.cursor) }

        var typed = Samples(capacity: 40), bytes: [Int] = []
        for ch in "cache hit rate fell to 40% after deploy" {
            var elapsed = 0.0
            let written = sink.measure {
                (_, elapsed) = milliseconds {
                    _ = model.update(.key(.char(ch)))
                    screen.draw(model.render(), cursor: model.cursor)
                }
            }
            bytes.append(written)
            typed.record(elapsed)
        }
        func press(_ key: Key) -> Int {
            sink.measure {
                _ = model.update(.key(key))
                screen.draw(model.render(), cursor: model.cursor)
            }
        }
        let erase = press(.backspace)
        // Clearing a typed line is the case the target is about: exactly one line of the screen changes.
        let clear = press(.ctrl("u"))
        let leave = press(.escape)
        let move = press(.char("k"))
        let tick = sink.measure {
            _ = model.update(.tick(now.addingTimeInterval(1)))
            screen.draw(model.render(), cursor: model.cursor)
        }
        let meanBytes = Double(bytes.reduce(0, +)) / Double(max(1, bytes.count))
        return [
            Figure("first full frame written", Double(firstFrame), "bytes"),
            Figure("typed character on the command line (max)", Double(bytes.max() ?? 0), "bytes",
                   target: .atMost(1024), detail: "mean \(Figure.format(meanBytes)) bytes over \(bytes.count) keys"),
            Figure("backspace", Double(erase), "bytes", target: .atMost(1024)),
            Figure("Ctrl-U: clear a 38-column command line", Double(clear), "bytes", target: .atMost(1024)),
            Figure("Esc: from the command line to the panes", Double(leave), "bytes", detail: "the focused pane's border restyles"),
            Figure("k: move the timeline selection up", Double(move), "bytes", detail: "two rows change"),
            Figure("one-second tick (header clocks)", Double(tick), "bytes", target: .atMost(1024)),
            Figure("keystroke: update + render + flush (p99)", typed.percentile(99), "ms",
                   target: .atMost(16.7), detail: typed.summary),
        ]
    }

    // MARK: - Helpers

    /// A workspace with one L2 incident of `eventCount` events (mostly notes, some decisions and actions),
    /// appended in large batches. Returns the clock reading just after the last event.
    static func seed(_ workspace: URL) throws -> Date {
        let store = try SQLiteEventStore.open(workspace: workspace)
        let start = Date(timeIntervalSince1970: 1_741_960_680)  // 2025-03-14 13:58 UTC
        let declared = try store.declare(EventDraft(
            occurredAt: start, recordedAt: start, actor: "maria",
            payload: .declared(Declaration(title: title, severity: .l2, impact: "EU customers cannot pay"))))
        var written = 1
        let actors = ["maria", "dev", "sam", "chen"]
        while written < eventCount {
            let batch = min(1000, eventCount - written)
            let first = written
            _ = try store.append(to: declared.incident) { _ in
                (0..<batch).map { i in
                    let n = first + i
                    let at = start.addingTimeInterval(Double(n) * 0.5)
                    let payload: EventPayload =
                        n % 50 == 0 ? .decision("decision \(n): roll back the canary in zone \(n % 3)")
                        : n % 37 == 0 ? .actionItem("action \(n): add an alert on queue depth")
                        : .note("note \(n): error rate \(n % 9)% on shard \(n % 16), p99 \(200 + n % 700) ms")
                    return EventDraft(occurredAt: at, recordedAt: at, actor: actors[n % actors.count], payload: payload)
                }
            }
            written += batch
        }
        return start.addingTimeInterval(Double(eventCount) * 0.5 + 1)
    }

    /// Every event, paged the way the console's store worker reads them.
    static func loadAll(_ store: SQLiteEventStore) throws -> [Event] {
        var all: [Event] = []
        var after: EventID = 0
        while true {
            let page = try store.events(after: after, limit: 5000)
            all += page
            guard page.count == 5000, let last = page.last else { return all }
            after = last.id
        }
    }
}

/// A benchmark that could not run as intended.
struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

/// A file standing in for the terminal, so what ncurses writes can be counted byte for byte.
final class TerminalSink {
    private let output: UnsafeMutablePointer<FILE>
    private let input: UnsafeMutablePointer<FILE>

    init() throws {
        guard let output = tmpfile(), let input = fopen("/dev/null", "r") else { throw BenchFailure("cannot open a temporary file") }
        self.output = output
        self.input = input
    }

    /// A screen of the benchmark's size on this file; xterm-256color, as most users have.
    func screen() throws -> TerminalScreen {
        let screen = try TerminalScreen(output: output, input: input, terminalType: "xterm-256color", guardCrashes: false)
        screen.resize(width: ConsoleBench.width, height: ConsoleBench.height)
        return screen
    }

    /// Bytes written to the terminal while `body` ran.
    func measure(_ body: () -> Void) -> Int {
        let before = size
        body()
        return size - before
    }

    // ncurses writes to the descriptor itself, so the file's size, not the stdio position, is the count.
    private var size: Int {
        fflush(output)
        var info = stat()
        return fstat(fileno(output), &info) == 0 ? Int(info.st_size) : 0
    }

    func close() {
        fclose(output)
        fclose(input)
    }
}
