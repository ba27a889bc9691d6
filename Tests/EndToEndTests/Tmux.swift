import ChildProcess
import Foundation
import Testing

/// A failure an end-to-end test reports with what was on the screen at the time.
struct EndToEndFailure: Error, CustomStringConvertible {
    var description: String
}

/// The built `warroom` executable and a way to run it as a plain command (to prepare workspaces, read timelines).
enum Warroom {
    /// SwiftPM puts executables beside the test bundle (`WarroomPackageTests.xctest`), whatever the scratch path.
    static var path: String {
        if let override = ProcessInfo.processInfo.environment["WARROOM_BINARY"] { return override }
        for start in [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments.first ?? "")] {
            var url = start
            while url.path != "/" && !url.path.isEmpty {
                if url.pathExtension == "xctest" { return url.deletingLastPathComponent().appendingPathComponent("warroom").path }
                url = url.deletingLastPathComponent()
            }
        }
        return Bundle.main.bundleURL.appendingPathComponent("warroom").path
    }

    /// The environment every end-to-end run shares: UTC times, a UTF-8 locale, a fixed actor, no slow crash reports.
    static let baseEnvironment: [String: String] = [
        "TZ": "UTC", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "WARROOM_ACTOR": "tester", "SWIFT_BACKTRACE": "enable=no",
    ]

    /// Runs `warroom arguments…` to completion and returns its status and output.
    @discardableResult
    static func run(_ arguments: [String], workspace: URL, environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        var env = ProcessInfo.processInfo.environment
        for (k, v) in baseEnvironment { env[k] = v }
        env["WARROOM_WORKSPACE"] = workspace.path
        for (k, v) in environment { env[k] = v }
        // A file, not a pipe: a chatty child can never block on a full pipe.
        let outURL = workspace.appendingPathComponent("run-\(UUID().uuidString.prefix(8)).out")
        defer { try? FileManager.default.removeItem(at: outURL) }
        let status = try ChildProcess.run(path, arguments, environment: env, output: outURL.path)
        return (status, (try? String(contentsOf: outURL, encoding: .utf8)) ?? "")
    }

    /// Like `run`, but a non-zero exit fails the test.
    @discardableResult
    static func must(_ arguments: [String], workspace: URL, environment: [String: String] = [:]) throws -> String {
        let result = try run(arguments, workspace: workspace, environment: environment)
        guard result.status == 0 else {
            throw EndToEndFailure(description: "warroom \(arguments.joined(separator: " ")) exited \(result.status):\n\(result.output)")
        }
        return result.output
    }
}

/// One tmux server of its own (a private socket) running one command in a detached window,
/// driven with send-keys and read with capture-pane.
final class TmuxConsole {
    static let executable = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static var isAvailable: Bool { executable != nil }

    let socket = "warroom-e2e-\(UUID().uuidString.prefix(12))"
    let workspace: URL
    private var closed = false

    /// Starts `warroom arguments…` in a `width`×`height` window, followed by `echo EXITED $?` so a test can
    /// see how it ended and what the terminal looks like afterwards.
    init(workspace: URL, arguments: [String] = [], environment: [String: String] = [:], width: Int = 100, height: Int = 30) throws {
        self.workspace = workspace
        var env = Warroom.baseEnvironment
        env["WARROOM_WORKSPACE"] = workspace.path
        for (k, v) in environment { env[k] = v }
        let exports = env.sorted { $0.key < $1.key }.map { "export \($0.key)=\(Self.quoted($0.value))" }
        let command = ([Warroom.path] + arguments).map(Self.quoted).joined(separator: " ")
        let script = workspace.appendingPathComponent("console-\(socket).sh")
        try (["#!/bin/sh"] + exports + ["cd \(Self.quoted(workspace.path))", command, "echo \"EXITED $?\"", "exec sleep 600"])
            .joined(separator: "\n").write(to: script, atomically: true, encoding: .utf8)
        try tmux(["new-session", "-d", "-x", "\(width)", "-y", "\(height)", "-s", "e2e", "sh \(Self.quoted(script.path))"])
    }

    deinit { close() }

    /// Kills the private tmux server and everything running in it.
    func close() {
        guard !closed else { return }
        closed = true
        let server = (try? tmux(["display-message", "-p", "#{pid}"])).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        _ = try? tmux(["kill-server"])
        // kill-server normally ends the server at once; make sure no test leaves one behind.
        guard let server else { return }
        let deadline = Date().addingTimeInterval(2)
        while Self.isRunning(server), Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if Self.isRunning(server) { kill(server, SIGKILL) }
    }

    /// Alive and not a zombie (an exited daemon nobody has reaped yet still answers `kill(pid, 0)`).
    private static func isRunning(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.range(of: ") ", options: .backwards)
        else { return false }
        return stat[close.upperBound...].first != "Z"
    }

    /// Types text literally (no key names).
    func type(_ text: String) throws {
        try tmux(["send-keys", "-t", "e2e", "-l", "--", text])
    }

    /// Presses keys by tmux name: `Enter`, `Escape`, `Tab`, `q`.
    func press(_ keys: String...) throws {
        try tmux(["send-keys", "-t", "e2e"] + keys)
        if keys.last == "Escape" {
            // A key arriving within ncurses' escape delay would be read as Alt+key.
            Thread.sleep(forTimeInterval: 0.15)
        }
    }

    /// Types a command line and presses Enter.
    func enter(_ line: String) throws {
        try type(line)
        try press("Enter")
    }

    /// The visible screen as text; with `escapes`, including the SGR sequences of colours and attributes.
    func screen(escapes: Bool = false) throws -> String {
        try tmux(["capture-pane", "-p", "-t", "e2e"] + (escapes ? ["-e"] : []))
    }

    /// Polls the screen until `condition` holds, or fails with the last screen after `timeout` seconds.
    @discardableResult
    func waitFor(_ what: String, timeout: TimeInterval = 5, escapes: Bool = false, _ condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while true {
            last = try screen(escapes: escapes)
            if condition(last) { return last }
            if Date() > deadline { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw EndToEndFailure(description: "timed out after \(timeout)s waiting for \(what); the screen was:\n\(last)")
    }

    /// Waits until the screen shows `text`.
    @discardableResult
    func waitFor(text: String, timeout: TimeInterval = 5) throws -> String {
        try waitFor("'\(text)'", timeout: timeout) { $0.contains(text) }
    }

    /// Resizes the window, as a user dragging the terminal would.
    func resize(width: Int, height: Int) throws {
        try tmux(["resize-window", "-t", "e2e", "-x", "\(width)", "-y", "\(height)"])
    }

    /// The pane's title, which a program can set with an OSC 0 sequence.
    func paneTitle() throws -> String {
        try tmux(["display-message", "-p", "-t", "e2e", "#{pane_title}"])
    }

    /// The pid of the `warroom` process: the child of the pane's shell.
    func consolePID() throws -> pid_t {
        let shell = try tmux(["display-message", "-p", "-t", "e2e", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            let children = (try? String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8)) ?? ""
            if let first = children.split(separator: " ").first, let pid = pid_t(first) { return pid }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw EndToEndFailure(description: "no console process under the pane's shell \(shell)")
    }

    @discardableResult
    private func tmux(_ arguments: [String]) throws -> String {
        var env = ProcessInfo.processInfo.environment
        env["LANG"] = "C.UTF-8"
        env["LC_ALL"] = "C.UTF-8"
        env.removeValue(forKey: "TMUX")
        let outURL = workspace.appendingPathComponent("tmux-\(UUID().uuidString.prefix(8)).out")
        defer { try? FileManager.default.removeItem(at: outURL) }
        let status = try ChildProcess.run(Self.executable!, ["-u", "-f", "/dev/null", "-L", socket] + arguments, environment: env, output: outURL.path)
        let text = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw EndToEndFailure(description: "tmux \(arguments.joined(separator: " ")) failed (\(status)): \(text)")
        }
        return text
    }

    private static func quoted(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// The SGR parameter lists in captured text (`ESC [ … m`), for telling colour from plain attributes.
func sgrParameters(in screen: String) -> [[Int]] {
    var result: [[Int]] = []
    var rest = Substring(screen)
    while let start = rest.firstIndex(of: "\u{1B}") {
        rest = rest[rest.index(after: start)...]
        guard rest.first == "[" else { continue }
        let body = rest.dropFirst().prefix { $0.isNumber || $0 == ";" }
        let after = rest.dropFirst().dropFirst(body.count)
        if after.first == "m" { result.append(body.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) ?? 0 }) }
    }
    return result
}

/// Whether captured text sets any foreground or background colour.
func showsColour(_ screen: String) -> Bool {
    sgrParameters(in: screen).contains { params in
        params.contains { (30...37).contains($0) || (40...47).contains($0) || (90...97).contains($0) || (100...107).contains($0) || $0 == 38 || $0 == 48 }
    }
}
