import Foundation
import Testing
import WarroomTestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real `warroom` binary killed with SIGKILL after the outbox write, while its delivery is on the wire.
@Suite("Crash between outbox write and delivery", .serialized)
struct CrashTests {
    static let now = "2026-11-20T14:10:00Z"

    private func environment(_ ws: URL) -> [String: String] {
        ["WARROOM_WORKSPACE": ws.path, "WARROOM_NOW": Self.now, "WARROOM_ACTOR": "carol", "TZ": "UTC"]
    }

    /// Starts `warroom ARGS` without waiting for it.
    private func spawn(_ arguments: [String], workspace: URL) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BuiltProduct.path("warroom"))
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment(workspace) { env[k] = v }
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    @discardableResult
    private func warroom(_ arguments: [String], _ workspace: URL) throws -> ProcessResult {
        try BuiltProduct.run("warroom", arguments, environment: environment(workspace))
    }

    @Test func killedMidDeliveryTheUpdateIsDeliveredExactlyOnceAfterRestart() throws {
        let acted = KeySet()
        // Request 0 is held unanswered (the sender is killed while waiting); a receiver honouring
        // Idempotency-Key acts on a key once and acknowledges repeats without acting again.
        let receiver = try LoopbackReceiver { request, n in
            if n == 0 { return .hold }
            let fresh = acted.insert(request.header("Idempotency-Key") ?? "")
            return .status(200, body: fresh ? "ok" : "already done")
        }
        defer { receiver.stop() }
        let ws = try makeTemporaryDirectory("warroom-crash")
        defer { try? FileManager.default.removeItem(at: ws) }
        try """
            delivery: {wait: 60s}
            channels:
              - {name: ops, type: webhook, format: generic, url: "\(receiver.url)", timeout: 60s}
            """.write(to: ws.appendingPathComponent("warroom.yaml"), atomically: true, encoding: .utf8)
        #expect(try warroom(["declare", "--severity", "L1", "Storage tier lost"], ws).status == 0)

        let sender = try spawn(["broadcast", "--send", "--message", "restoring from last night's backup"], workspace: ws)
        // The update and its delivery are committed before the request goes out; kill while it is in flight.
        let first = try #require(try receiver.waitForRequests(1, timeout: 20).first)
        kill(sender.processIdentifier, SIGKILL)
        sender.waitUntilExit()
        #expect(sender.terminationReason == .uncaughtSignal)

        let pending = try warroom(["outbox"], ws)
        // The update's number depends on what the declaration attached (runbooks); the outbox names it.
        let number = try #require(pending.stdout.firstMatch(of: /INC-1 update #(\d+)  ops  pending/)?.1, "\(pending.stdout)")
        let update = "update #\(number)"

        let restart = try warroom(["outbox", "run", "--once"], ws)
        #expect(restart.status == 0, "\(restart.stderr)")
        #expect(restart.stdout.contains("ops  \(update)  sent"), "\(restart.stdout)")
        let again = try warroom(["outbox", "run", "--once"], ws)
        #expect(again.stdout.contains("nothing due"), "\(again.stdout)")

        let requests = receiver.requests
        #expect(requests.count == 2, "the attempt cut off by the kill, and one retry")
        #expect(requests[1].body == first.body, "the retry is the same update, byte for byte")
        #expect(requests.compactMap { $0.header("Idempotency-Key") }.allSatisfy { $0 == first.header("Idempotency-Key") })
        #expect(acted.count == 1, "acted on once")

        let timeline = try warroom(["timeline"], ws).stdout
        #expect(timeline.components(separatedBy: "restoring from last night's backup").count == 2, "one update:\n\(timeline)")
        #expect(timeline.components(separatedBy: "\(update) sent to ops").count == 2, "one delivery:\n\(timeline)")
        #expect(try warroom(["outbox"], ws).stdout == "nothing pending or given up\n")
    }

    /// Recorded and never attempted (`--wait 0`, the state a crash right after the commit leaves): the next worker
    /// delivers it to every channel once, and a further run finds nothing to do.
    @Test func anUpdateLeftInTheOutboxIsDeliveredByTheNextWorker() throws {
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        let ws = try makeTemporaryDirectory("warroom-crash")
        defer { try? FileManager.default.removeItem(at: ws) }
        try """
            channels:
              - {name: ops, type: webhook, format: slack, url: "\(receiver.url)"}
              - {name: log, type: file, path: updates.log}
            """.write(to: ws.appendingPathComponent("warroom.yaml"), atomically: true, encoding: .utf8)
        #expect(try warroom(["declare", "--severity", "L2", "Checkout errors"], ws).status == 0)
        let recorded = try warroom(["broadcast", "--send", "--wait", "0", "--message", "first"], ws)
        #expect(recorded.stdout.contains("not delivered yet (--wait 0)"), "\(recorded.stdout)")
        #expect(receiver.requests.isEmpty)

        let run = try warroom(["outbox", "run", "--until-empty", "--max-wait", "20"], ws)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try warroom(["outbox", "run", "--once"], ws).stdout.contains("nothing due"))
        #expect(receiver.requests.map(\.bodyText) == [#"{"text":"first"}"#])
        let log = try String(contentsOf: ws.appendingPathComponent("updates.log"), encoding: .utf8)
        #expect(log.components(separatedBy: "\nfirst\n").count == 2)
    }
}
