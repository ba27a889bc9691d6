import ChildProcess
import Foundation
import IncidentCore
import PostgresNIO
@testable import PostgresStore
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Serialized: a transaction held open on purpose holds back every reader's horizon on the server (xmin is
// server-wide), so these tests, which time reads against such holds, must not overlap one another.
@Suite("Following the team store", .serialized, .enabled(if: TestServer.shouldRun))
struct FollowerTests {
    /// An older transaction, still open, holds the newer event back, for a bounded time only (measured by the
    /// store's clock); when it commits, its own event arrives too, and nothing arrives twice.
    @Test func aLongTransactionDelaysNewerEventsBoundedlyAndLosesNothing() async throws {
        let clock = ManualClock()
        let location = try TestServer.location()
        let writer = try await TestServer.open(location)
        let follower = try await TestServer.open(location, clock: clock.function)
        _ = try await writer.declare(declaration("A"))
        _ = try await writer.declare(declaration("B"))
        let start = try await follow(follower) { $0.count == 2 }
        #expect(start.events.count == 2)

        // A transaction elsewhere takes its transaction id and stays open.
        let old = try await RawSession.open()
        try await old.run("BEGIN")
        let oldXID = try await old.value("SELECT pg_current_xact_id()::text::bigint", as: Int64.self)
        let newer = try await writer.append(to: "INC-1", note("newer"))

        let reading = Task { try await follower.events(after: start.cursor, limit: 100) }
        try await Task.sleep(for: .milliseconds(150))
        clock.advance(by: 0.3)
        try await Task.sleep(for: .milliseconds(150))
        #expect(await finished(reading) == false, "committed after a transaction still open: held back, the hold not over")
        clock.advance(by: 0.3)
        var released = try await reading.value
        // Another test's transaction ending meanwhile moves the horizon and starts the hold afresh; then the reader
        // is sent back within a second, and the next read, the clock moved on, has it.
        while released.events.isEmpty {
            clock.advance(by: 0.6)
            released = try await follower.events(after: released.cursor, limit: 100)
        }
        #expect(released.events == newer, "held no longer than the bound")
        #expect(released.cursor.horizon <= oldXID)
        #expect(released.cursor.beyond.contains(newer[0].id))

        // The old transaction appends to the workspace (by hand: its id is older than the newer event's) and commits.
        let oldEvent = try await old.value("""
            INSERT INTO events (workspace, incident, kind, occurred_at, recorded_at, actor, text)
            VALUES (\(location.workspace), 'INC-2', 'note', 1700000000000, 1700000000000, 'old', 'from the old transaction')
            RETURNING id
            """, as: Int64.self)
        try await old.run("COMMIT")
        await old.close()

        clock.advance(by: 1)
        let later = try await follow(follower, from: released.cursor) { $0.contains { $0.id == oldEvent } }
        #expect(later.events.map(\.id) == [oldEvent], "the old transaction's event, once, and the newer one not again")
        #expect(try await follower.events(after: later.cursor, limit: 100).events.isEmpty)
        let all = start.events + released.events + later.events
        #expect(Set(all.map(\.id)).count == all.count)
        await writer.close()
        await follower.close()
    }

    /// The usual case: the older transaction ends within moments, and the read returns as soon as it has.
    @Test func aReadWaitsForAnOlderTransactionToEnd() async throws {
        let location = try TestServer.location()
        let writer = try await TestServer.open(location)
        let follower = try await TestServer.open(location)
        _ = try await writer.declare(declaration())
        let start = try await follow(follower) { $0.count == 1 }

        let old = try await RawSession.open()
        try await old.run("BEGIN")
        try await old.run("SELECT pg_current_xact_id()")
        let newer = try await writer.append(to: "INC-1", note("newer"))
        let began = ContinuousClock.now
        let reading = Task { try await follower.events(after: start.cursor, limit: 100) }
        try await Task.sleep(for: .milliseconds(100))
        try await old.run("COMMIT")
        let page = try await reading.value
        #expect(page.events == newer)
        #expect(ContinuousClock.now - began < .seconds(2))
        await old.close()
        await writer.close()
        await follower.close()
    }

    /// 8 writers append 500 notes each to one incident while a follower reads: every event exactly once, in order.
    @Test func eightWritersOneIncidentAndAFollower() async throws {
        let location = try TestServer.location()
        let setup = try await TestServer.open(location)
        _ = try await setup.declare(declaration())
        var writers: [PostgresStore] = []
        for _ in 0..<8 { writers.append(try await TestServer.open(location)) }
        let follower = try await TestServer.open(location)

        let reading = Task {
            try await follow(follower, timeout: .seconds(300)) { $0.count >= 1 + 8 * 500 }
        }
        let written = try await withThrowingTaskGroup(of: [EventID].self) { group in
            for (index, writer) in writers.enumerated() {
                group.addTask {
                    var ids: [EventID] = []
                    for n in 0..<500 { ids += try await writer.append(to: "INC-1", note("w\(index) n\(n)")).map(\.id) }
                    return ids
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let read = try await reading.value.events
        #expect(written.count == 4000)
        #expect(read.count == 4001)
        #expect(read.map(\.id) == read.map(\.id).sorted(), "one incident's events arrive in id order")
        #expect(Set(read.map(\.id)) == Set(written).union([read[0].id]), "every event exactly once")
        let stored = try await setup.events(of: "INC-1")
        #expect(stored == read)
        // Each writer's notes in its own order, as it wrote them.
        for index in 0..<8 {
            let mine = read.compactMap { event -> Int? in
                guard case .note(let text) = event.payload, text.hasPrefix("w\(index) ") else { return nil }
                return Int(text.dropFirst("w\(index) n".count))
            }
            #expect(mine == Array(0..<500))
        }
        for store in writers + [setup, follower] { await store.close() }
    }

    /// The same, with eight processes (Tests/Support/pg-writer), each with its own connection.
    @Test(.enabled(if: PGWriter.isBuilt || TestServer.inCI))
    func eightWriterProcessesOneIncidentAndAFollower() async throws {
        let writer = try PGWriter.path()
        let location = try TestServer.location()
        let follower = try await TestServer.open(location)
        _ = try await follower.declare(declaration())
        let url = try TestServer.baseURL()
        let reading = Task {
            try await follow(follower, timeout: .seconds(300)) { $0.count >= 1 + 8 * 500 }
        }
        let outputs = try await withThrowingTaskGroup(of: (Int32, String).self) { group in
            for index in 0..<8 {
                group.addTask {
                    let output = FileManager.default.temporaryDirectory.appendingPathComponent("pg-writer-\(UUID().uuidString)").path
                    defer { try? FileManager.default.removeItem(atPath: output) }
                    let status = try await spawn(writer, [url, location.workspace, "INC-1", "500"], output: output)
                    return (status, (try? String(contentsOfFile: output, encoding: .utf8)) ?? "writer \(index): no output")
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for (status, output) in outputs { #expect(status == 0, "\(output)") }
        let written = outputs.flatMap { $0.1.split(separator: "\n").compactMap { EventID($0) } }
        let read = try await reading.value.events
        #expect(written.count == 4000)
        #expect(read.count == 4001)
        #expect(read.map(\.id) == read.map(\.id).sorted())
        #expect(Set(read.dropFirst().map(\.id)) == Set(written))
        await follower.close()
    }

    @Test func anAppendElsewhereWakesAListeningConsole() async throws {
        let location = try TestServer.location()
        let console = try await TestServer.open(location, listen: true)
        let other = try await TestServer.open(location)
        let unrelated = try await TestServer.open()
        let signals = SignalCounter(try #require(console.changeSignals()))
        #expect(other.changeSignals() == nil, "a command opens one connection and cannot listen")

        _ = try await unrelated.declare(declaration("another workspace"))
        #expect(await signals.next(within: .milliseconds(500)) == false, "another workspace's appends are not signalled")
        _ = try await other.declare(declaration())
        #expect(await signals.next(within: .seconds(5)))
        _ = try await other.append(to: "INC-1", note("more"))
        #expect(await signals.next(within: .seconds(5)))
        for store in [console, other, unrelated] { await store.close() }
        signals.stop()
    }

    /// Commits close together are told with fewer notifications than commits, and the last of them is always told,
    /// after it: here three at once make one notification at once and one when the window ends.
    @Test func commitsInOneWindowAreToldOnceMoreWhenItEnds() async throws {
        try await TestServer.initialized()
        let workspace = TestServer.freshWorkspace()
        let work = try WorkConnection(try PostgresLocation(url: try TestServer.baseURL()).server, applicationName: "warroom tests",
                                      logger: quietLogger)
        let connection = try await work.with { $0 }
        let notifier = Notifier(workspace: workspace, work: work, window: .seconds(1))
        let listener = try await RawSession.open()
        let listening = Locked(false), heard = Locked(0)
        let listen = Task {
            try await listener.connection.listen(on: eventsChannel) { notifications in
                listening.withLock { $0 = true }
                for try await notification in notifications where notification.payload == workspace {
                    heard.withLock { $0 += 1 }
                }
            }
        }
        while !listening.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }

        let start = ContinuousClock.now
        for _ in 0..<3 { notifier.committed(on: connection) }
        await notifier.flush()
        #expect(ContinuousClock.now - start >= .seconds(1), "the second waited for the window to end")
        let deadline = ContinuousClock.now + .seconds(5)
        while heard.withLock({ $0 }) < 2 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(100))
        #expect(heard.withLock { $0 } == 2)
        listen.cancel()
        await listener.close()
        await work.close()
    }

    @Test func theListenerComesBackAfterTheServerDropsIt() async throws {
        let name = "warroom-listen-\(UUID().uuidString.prefix(8))"
        let location = try TestServer.location(listenURL: try TestServer.url(adding: ["application_name=\(name)"]))
        let console = try await TestServer.open(location, listen: true)
        let other = try await TestServer.open(location)
        let signals = SignalCounter(try #require(console.changeSignals()))
        let raw = try await RawSession.open()
        #expect(try await raw.value(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = \(name)", as: Int.self) == 1)
        // Notifications sent while it was away are lost, so it signals once it is back, for the reader to catch up.
        #expect(await signals.next(within: .seconds(10)))
        _ = try await other.declare(declaration())
        #expect(await signals.next(within: .seconds(5)))
        await raw.close()
        await console.close()
        await other.close()
        signals.stop()
    }
}

/// Whether `task` has finished, without waiting for it.
func finished<T: Sendable>(_ task: Task<T, any Error>) async -> Bool {
    let done = Locked(false)
    let probe = Task { _ = try? await task.value; done.withLock { $0 = true } }
    try? await Task.sleep(for: .milliseconds(20))
    probe.cancel()
    return done.withLock { $0 }
}

/// Counts a change stream's signals from one long-lived iteration (a cancelled iteration would end the stream).
final class SignalCounter: Sendable {
    private let count = Locked(0)
    private let task: Task<Void, Never>

    init(_ signals: AsyncStream<Void>) {
        let count = self.count
        task = Task { for await _ in signals { count.withLock { $0 += 1 } } }
    }

    /// Whether a signal newer than the last one seen arrives within `timeout`.
    func next(within timeout: Duration) async -> Bool {
        let seen = count.withLock { $0 }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if count.withLock({ $0 }) > seen { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    func stop() { task.cancel() }
}

/// Runs a child process to completion off the cooperative pool (waiting for one blocks its thread).
func spawn(_ path: String, _ arguments: [String], output: String) async throws -> Int32 {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result {
                try ChildProcess.run(path, arguments, environment: ProcessInfo.processInfo.environment, output: output)
            })
        }
    }
}

/// The pg-writer executable, built beside the test bundle when Package.swift declares it (or `PG_WRITER`).
enum PGWriter {
    static var isBuilt: Bool { (try? path()) != nil }

    static func path() throws -> String {
        if let override = ProcessInfo.processInfo.environment["PG_WRITER"] { return override }
        var starts = [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0])]
        if let executable = Bundle.main.executableURL { starts.append(executable) }
        for start in starts {
            var directory = start.resolvingSymlinksInPath()
            for _ in 0..<5 {
                let candidate = directory.appendingPathComponent("pg-writer")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
                directory.deleteLastPathComponent()
            }
        }
        throw NotBuilt()
    }

    struct NotBuilt: Error, CustomStringConvertible {
        var description: String { "pg-writer is not built: Package.swift must declare Tests/Support/pg-writer" }
    }
}
