import Foundation
import GRDB
import IncidentCore
@testable import IncidentStore
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Helpers

/// A fresh directory per test, removed afterwards.
func withWorkspace<T>(_ body: (URL) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("warroom-store-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url)
}

func databasePath(_ workspace: URL) -> String {
    SQLiteEventStore.databaseURL(workspace: workspace).path
}

/// Whole milliseconds, as the store keeps them.
let base = Date(timeIntervalSince1970: 1_700_000_000.123)

func draft(_ payload: EventPayload, at date: Date = base, recorded: Date? = nil, by actor: String = "alice") -> EventDraft {
    EventDraft(occurredAt: date, recordedAt: recorded ?? date, actor: actor, payload: payload)
}

func declaration(_ title: String = "checkout down", _ severity: Severity = .l2, drill: Bool = false) -> EventDraft {
    draft(.declared(Declaration(title: title, severity: severity, impact: "EU users", isDrill: drill)))
}

/// A decide function that runs the core rules, as the CLI and console do.
func command(_ command: IncidentCommand, at date: Date, by actor: String = "alice") -> (IncidentState) throws -> [EventDraft] {
    { state in [draft(try state.decide(command, at: date, now: date), at: date, by: actor)] }
}

func mode(_ path: String) -> mode_t? {
    var info = stat()
    return stat(path, &info) == 0 ? info.st_mode & 0o777 : nil
}

func damageMessage(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch StoreError.damaged(let message) {
        return message
    } catch {
        Issue.record("expected StoreError.damaged, got \(error)")
        return nil
    }
}

// MARK: - Child processes

/// The crash writer is built beside the test binary (`.../debug/WarroomPackageTests.xctest` on Linux,
/// a bundle there on macOS), wherever --scratch-path put it.
func crashWriterURL() throws -> URL {
    if let override = ProcessInfo.processInfo.environment["STORE_CRASH_WRITER"] {
        return URL(fileURLWithPath: override)
    }
    var starts = [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0])]
    if let executable = Bundle.main.executableURL { starts.append(executable) }
    for start in starts {
        var directory = start.resolvingSymlinksInPath()
        for _ in 0..<5 {
            let candidate = directory.appendingPathComponent("store-crash-writer")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
    }
    throw CrashWriterNotFound(searched: starts.map(\.path))
}

struct CrashWriterNotFound: Error, CustomStringConvertible {
    var searched: [String]
    var description: String { "store-crash-writer not found near \(searched); set STORE_CRASH_WRITER" }
}

/// A running crash writer whose acknowledged ids are read line by line.
final class Writer {
    let process = Process()
    private let output = Pipe()
    private let errors = Pipe()
    private var buffer = Data()

    /// `umask` runs the writer under that umask (through /bin/sh), to check permissions do not depend on it.
    init(workspace: URL, count: Int, declare: Bool = false, umask: String? = nil) throws {
        var arguments = [workspace.path, String(count)] + (declare ? ["--declare"] : [])
        let writer = try crashWriterURL()
        if let umask {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            // exec keeps the pid, so killing it kills the writer itself.
            arguments = ["-c", "umask \(umask) && exec \"$0\" \"$@\"", writer.path] + arguments
        } else {
            process.executableURL = writer
        }
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = errors
        try process.run()
    }

    /// The next acknowledged id, or nil once the writer has exited and everything was read.
    func nextID() -> EventID? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                guard let id = EventID(line) else {
                    Issue.record("unexpected writer output: \(line)")
                    continue
                }
                return id
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { return nil }
            buffer.append(chunk)
        }
    }

    func remainingIDs() -> [EventID] {
        var ids: [EventID] = []
        while let id = nextID() { ids.append(id) }
        return ids
    }

    func kill() {
        if process.isRunning { killHard(process.processIdentifier) }
        process.waitUntilExit()
    }

    var errorOutput: String {
        String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    deinit {
        // A failed test must not leave a writer appending forever.
        if process.isRunning { killHard(process.processIdentifier) }
    }
}

func killHard(_ pid: pid_t) {
    _ = kill(pid, SIGKILL)
}

// MARK: - Tests

@Suite("SQLite event store")
struct StoreTests {
    @Test("every payload kind survives a round trip, and a reopen")
    func roundTrip() throws {
        try withWorkspace { workspace in
            let store = try SQLiteEventStore.open(workspace: workspace)
            let declared = try store.declare(declaration())
            let id = declared.incident
            let payloads: [EventPayload] = [
                .note("alert fired: 5xx at 30% — «quoted» \"text\"\nsecond line 🚨"),
                .decision("fail over to the standby"),
                .actionItem("add an alert on replica lag"),
                .stateChanged(from: .declared, to: .investigating, reason: nil, override: nil),
                .stateChanged(from: .investigating, to: .identified, reason: "bad config push", override: "IC says so"),
                .severityChanged(from: .l2, to: .l1, reason: "data at risk"),
                .roleAssigned(role: "comms", holder: "bob"),
                .correction(of: declared.id, text: "alert fired at 14:07"),
                .statusUpdateSent(message: "investigating; next update 14:30"),
                .delivery(.failed(update: 10, channel: "ops-war-room", attempt: 1, problem: "webhook 503", retryIn: 5)),
                .runbook(.attached(Runbook(id: "r", title: "R", severities: [.l1], phases: [
                    Runbook.Phase(title: "P", line: 5, steps: [Runbook.Step(id: "s", number: 1, text: "S", timeboxSeconds: 60, line: 6)]),
                ]), trigger: .manual)),
                .runbook(.step(StepEvent(runbook: "r", step: "s", number: 1, text: "S", action: .done))),
                .postmortem(.generated(path: "postmortems/INC-1.md", throughEvent: declared.id, digest: "0123456789abcdef")),
                .paging(.paged(PageOrder(contact: "sam", name: "Sam Lee", role: "dba", tier: .primary, via: .phone,
                                         address: "+46 8 555", ackTimeout: 300))),
                .paging(.acknowledged(PageAck(contact: "sam", name: "Sam Lee", role: "dba", page: declared.id, after: 95))),
                .drill(.injected(DrillInjection(index: 1, inject: .init(offsetSeconds: 600, kind: .unanswered, text: "dba on-call", line: 9),
                                                silentContact: "sam", silentName: "Sam Lee"))),
                .drill(.ended(.ended)),
                .handoff(.offered(role: "ic", to: "bob", from: "alice")),
            ]
            var appended = [declared]
            for (offset, payload) in payloads.enumerated() {
                let at = base.addingTimeInterval(Double(offset + 1))
                // Backdated by an hour, so both times are kept apart.
                let events = try store.append(to: id) { _ in
                    [draft(payload, at: at.addingTimeInterval(-3600), recorded: at, by: "scribe")]
                }
                #expect(events.count == 1)
                #expect(events.first?.payload == payload)
                #expect(events.first?.isBackdated == true)
                appended += events
            }
            // Every kind the store knows, so a new kind cannot slip past this test.
            #expect(Set(appended.map(\.payload.kind)) == Set(EventKind.allCases))
            #expect(try store.events(of: id) == appended)
            #expect(try store.events(after: 0, limit: 100) == appended)

            let reopened = try SQLiteEventStore.open(workspace: workspace)
            #expect(try reopened.events(of: id) == appended)
            let state = try #require(try reopened.incidents().first)
            #expect(state == IncidentState.fold(appended))
            #expect(state.severity == .l1)
            #expect(state.lifecycle == .identified)
            #expect(state.holder(of: "comms") == "bob")
            #expect(state.impact == "EU users")
        }
    }

    @Test("a drill declaration keeps its flag and impact")
    func drillDeclarationRoundTrip() throws {
        try withWorkspace { workspace in
            let store = try SQLiteEventStore.open(workspace: workspace)
            let plain = try store.declare(draft(.declared(Declaration(title: "no impact", severity: .l4))))
            let drill = try store.declare(declaration("game day", .l1, drill: true))
            #expect(try SQLiteEventStore.open(workspace: workspace).events(after: 0, limit: 10) == [plain, drill])
        }
    }

    @Test("times are kept to the millisecond, and the returned events say so")
    func millisecondTimes() throws {
        try withWorkspace { workspace in
            let store = try SQLiteEventStore.open(workspace: workspace)
            let fine = Date(timeIntervalSince1970: 1_700_000_000.123_456)
            let declared = try store.declare(EventDraft(
                occurredAt: fine, recordedAt: fine, actor: "a",
                payload: .declared(Declaration(title: "t", severity: .l3))))
            #expect(declared.occurredAt.timeIntervalSince1970 == 1_700_000_000.123)
            #expect(try store.events(of: declared.incident) == [declared])
        }
    }

    @Test("incident ids are allocated INC-1, INC-2, with drills counted apart")
    func idAllocation() throws {
        try withWorkspace { workspace in
            let store = try SQLiteEventStore.open(workspace: workspace)
            #expect(try store.incidents().isEmpty)
            #expect(try store.lastEventID() == 0)
            #expect(try store.declare(declaration("one")).incident == "INC-1")
            #expect(try store.declare(declaration("two")).incident == "INC-2")
            #expect(try store.declare(declaration("drill", drill: true)).incident == "DRILL-1")
            #expect(try store.declare(declaration("three")).incident == "INC-3")
            #expect(try store.declare(declaration("drill 2", drill: true)).incident == "DRILL-2")
            let reopened = try SQLiteEventStore.open(workspace: workspace)
            #expect(try reopened.incidents().map(\.id) == ["INC-1", "INC-2", "DRILL-1", "INC-3", "DRILL-2"])
            #expect(try reopened.incidents().map(\.isDrill) == [false, false, true, false, true])
            #expect(try reopened.declare(declaration("four")).incident == "INC-4")
            #expect(try reopened.lastEventID() == 6)
        }
    }

    @Test("declare refuses anything but a declaration")
    func declareNeedsDeclaration() throws {
        try withWorkspace { workspace in
            let store = try SQLiteEventStore.open(workspace: workspace)
            #expect(throws: StoreError.notADeclaration) { try store.declare(draft(.note("hello"))) }
            #expect(try store.lastEventID() == 0)
            #expect(try store.incidents().isEmpty)
        }
    }

    @Test("unknown incidents are reported as such")
    func unknownIncident() throws {
        try withWorkspace { workspace in
            let store = try SQLiteEventStore.open(workspace: workspace)
            _ = try store.declare(declaration())
            #expect(throws: StoreError.unknownIncident("INC-9")) { try store.events(of: "INC-9") }
            #expect(throws: StoreError.unknownIncident("INC-9")) {
                try store.append(to: "INC-9") { _ in [draft(.note("x"))] }
            }
        }
    }

    @Test("a refused command writes nothing and its error comes through unchanged")
    func refusedAppendWritesNothing() throws {
        try withWorkspace { workspace in
            let store = try SQLiteEventStore.open(workspace: workspace)
            let id = try store.declare(declaration()).incident
            _ = try store.append(to: id, command(.note("first"), at: base))
            let before = try store.events(of: id)

            #expect(throws: RuleError.illegalTransition(id, from: .declared, to: .resolved, legal: [.investigating])) {
                try store.append(to: id, command(.changeState(to: .resolved, reason: nil, override: nil), at: base))
            }
            #expect(throws: RuleError.emptyText(what: "the note")) { try store.append(to: id, command(.note("  "), at: base)) }
            // The first draft would be fine; the failure afterwards must take it back too.
            struct Late: Error, Equatable {}
            #expect(throws: Late()) {
                try store.append(to: id) { state in
                    _ = try state.decide(.note("fine"), at: base, now: base)
                    throw Late()
                }
            }
            #expect(try store.append(to: id) { _ in [] }.isEmpty)
            #expect(try store.events(of: id) == before)
            #expect(try SQLiteEventStore.open(workspace: workspace).events(of: id) == before)
            // The cache was not advanced by the refused attempts either.
            let next = try store.append(to: id, command(.note("second"), at: base))
            #expect(next.first?.id == before.last!.id + 1)
            #expect(try store.incidents().first?.eventCount == 3)
        }
    }

    @Test("the log refuses UPDATE and DELETE")
    func appendOnly() throws {
        try withWorkspace { workspace in
            let store = try SQLiteEventStore.open(workspace: workspace)
            let declared = try store.declare(declaration())
            _ = try store.append(to: declared.incident, command(.note("keep me"), at: base))

            let raw = try DatabaseQueue(path: databasePath(workspace))
            for sql in [
                "UPDATE events SET text = 'rewritten'",
                "DELETE FROM events",
                "DELETE FROM events WHERE id = 2",
                "UPDATE incidents SET number = 7",
                "DELETE FROM incidents",
            ] {
                let error = #expect(throws: DatabaseError.self, "\(sql)") { try raw.write { try $0.execute(sql: sql) } }
                #expect(error?.message?.contains("cannot be") == true, "\(sql): \(String(describing: error))")
            }
            #expect(try store.events(of: declared.incident).map(\.payload) == [declared.payload, .note("keep me")])
        }
    }

    @Test("commits are synced (WAL, synchronous FULL) and writers wait for each other")
    func durabilitySettings() throws {
        try withWorkspace { workspace in
            let store = try SQLiteEventStore.open(workspace: workspace)
            #expect(try store.writerPragma("journal_mode") == "wal")
            // 2 = FULL; GRDB's pool would leave NORMAL, which syncs only at checkpoints.
            #expect(try store.writerPragma("synchronous") == "2")
            #expect(try store.writerPragma("busy_timeout") == "5000")
        }
    }

    @Test("the store folder is 0700 and its files 0600")
    func permissions() throws {
        try withWorkspace { workspace in
            let store = try SQLiteEventStore.open(workspace: workspace)
            let id = try store.declare(declaration()).incident
            _ = try store.append(to: id, command(.note("x"), at: base))
            let db = databasePath(workspace)
            #expect(mode(workspace.appendingPathComponent(".warroom").path) == 0o700)
            #expect(mode(db) == 0o600)
            #expect(mode(db + "-wal") == 0o600)
            #expect(mode(db + "-shm") == 0o600)
        }
    }

    @Test("permissions hold under a permissive umask, for files SQLite creates itself")
    func permissionsIgnoreUmask() throws {
        try withWorkspace { workspace in
            let writer = try Writer(workspace: workspace, count: 0, umask: "000")
            for _ in 0..<3 { _ = try #require(writer.nextID(), "\(writer.errorOutput)") }
            // Killed, so -wal and -shm stay behind exactly as SQLite made them; nothing reopens them first.
            writer.kill()
            let db = databasePath(workspace)
            #expect(mode(workspace.appendingPathComponent(".warroom").path) == 0o700)
            #expect(mode(db) == 0o600)
            #expect(mode(db + "-wal") == 0o600)
            #expect(mode(db + "-shm") == 0o600)
        }
    }

    @Test("a reopened store sees everything, and its fold matches")
    func reopen() throws {
        try withWorkspace { workspace in
            var ids: [IncidentID] = []
            do {
                let store = try SQLiteEventStore.open(workspace: workspace)
                for n in 1...3 { ids.append(try store.declare(declaration("incident \(n)")).incident) }
                var t = base
                for step in [IncidentCommand.changeState(to: .investigating, reason: nil, override: nil),
                             .note("looking"), .changeSeverity(to: .l1, reason: "worse"),
                             .changeState(to: .identified, reason: "found it", override: nil)] {
                    t += 60
                    for id in ids { _ = try store.append(to: id, command(step, at: t)) }
                }
            }
            let store = try SQLiteEventStore.open(workspace: workspace)
            let states = try store.incidents()
            #expect(states.map(\.id) == ids)
            for state in states {
                #expect(state.lifecycle == .identified)
                #expect(state.severity == .l1)
                #expect(state.eventCount == 5)
                #expect(state == IncidentState.fold(try store.events(of: state.id)))
            }
            #expect(try store.lastEventID() == 15)
        }
    }

    @Test("events(after:limit:) pages through the whole log in order")
    func paging() throws {
        try withWorkspace { workspace in
            let store = try SQLiteEventStore.open(workspace: workspace)
            let a = try store.declare(declaration("a")).incident
            let b = try store.declare(declaration("b")).incident
            for n in 0..<10 { _ = try store.append(to: n.isMultiple(of: 2) ? a : b, command(.note("n\(n)"), at: base)) }
            var seen: [Event] = []
            var after: EventID = 0
            while case let page = try store.events(after: after, limit: 3), !page.isEmpty {
                #expect(page.count <= 3)
                seen += page
                after = page.last!.id
            }
            #expect(seen.map(\.id) == Array(1...12))
            #expect(try store.events(after: 5, limit: 0).isEmpty)
            #expect(try store.lastEventID() == 12)
        }
    }

    @Test("two instances on one file see each other's appends before deciding")
    func twoInstances() throws {
        try withWorkspace { workspace in
            let a = try SQLiteEventStore.open(workspace: workspace)
            let b = try SQLiteEventStore.open(workspace: workspace)
            let id = try a.declare(declaration()).incident
            // Both have the incident cached before the other writes.
            _ = try a.append(to: id, command(.note("a was here"), at: base))
            _ = try b.append(to: id, command(.note("b was here"), at: base))

            let steps: [LifecycleState] = [.investigating, .identified, .mitigating, .monitoring]
            var t = base
            for (n, next) in steps.enumerated() {
                t += 60
                let (writer, other) = n.isMultiple(of: 2) ? (a, b) : (b, a)
                _ = try writer.append(to: id) { state in
                    // The other instance's step is in the state this one decides on.
                    #expect(state.lifecycle.legalNext.contains(next))
                    return try command(.changeState(to: next, reason: nil, override: nil), at: t)(state)
                }
                #expect(try other.lastEventID() == writer.lastEventID())
            }
            let fresh = try SQLiteEventStore.open(workspace: workspace)
            let folded = try #require(IncidentState.fold(try fresh.events(of: id)))
            #expect(folded.lifecycle == .monitoring)
            #expect(folded.eventCount == 7)
            #expect(try a.incidents() == [folded])
            #expect(try b.incidents() == [folded])
            // A stale cache would refuse this (or decide on the wrong state).
            _ = try b.append(to: id, command(.changeState(to: .mitigating, reason: "fix did not hold", override: nil), at: t + 60))
            _ = try a.append(to: id, command(.changeState(to: .monitoring, reason: nil, override: nil), at: t + 120))
            #expect(try fresh.incidents().first?.lifecycleHistory.count == 7)
        }
    }

    @Test("threads appending through one instance all land, and the cache stays right")
    func threadsOnOneInstance() throws {
        try withWorkspace { workspace in
            let store = try SQLiteEventStore.open(workspace: workspace)
            let id = try store.declare(declaration()).incident
            DispatchQueue.concurrentPerform(iterations: 24) { n in
                do {
                    _ = try store.append(to: id, command(.note("thread \(n)"), at: base))
                } catch {
                    Issue.record(error)
                }
            }
            let events = try store.events(of: id)
            #expect(events.count == 25)
            #expect(Set(events.map(\.id)).count == 25)
            _ = try store.append(to: id) { state in
                #expect(state.eventCount == 25)
                #expect(state == IncidentState.fold(events))
                return []
            }
        }
    }

    @Test("undecodable rows are reported as damage")
    func damagedRows() throws {
        try withWorkspace { workspace in
            let store = try SQLiteEventStore.open(workspace: workspace)
            let id = try store.declare(declaration()).incident
            let raw = try DatabaseQueue(path: databasePath(workspace))
            try raw.write { db in
                try db.execute(sql: """
                    INSERT INTO events (incident, kind, occurred_at, recorded_at, actor) VALUES (?, 'hologram', 0, 0, 'x')
                    """, arguments: [id])
            }
            for message in [
                damageMessage { _ = try store.events(of: id) },
                damageMessage { _ = try store.incidents() },
                damageMessage { _ = try store.append(to: id) { _ in [] } },
                damageMessage { _ = try store.events(after: 0, limit: 10) },
            ] {
                let message = try #require(message)
                #expect(message.contains("#2") && message.contains("hologram"), "\(message)")
            }
        }
    }

    @Test("a file that is not a database is reported as damage")
    func notADatabase() throws {
        try withWorkspace { workspace in
            let path = workspace.appendingPathComponent("junk.sqlite").path
            try Data(String(repeating: "this is not an sqlite database\n", count: 200).utf8).write(to: URL(fileURLWithPath: path))
            let message = try #require(damageMessage { _ = try SQLiteEventStore(path: path) })
            #expect(message.contains("junk.sqlite"))
        }
    }

    @Test("two processes appending at once lose nothing")
    func twoProcesses() throws {
        try withWorkspace { workspace in
            let store = try SQLiteEventStore.open(workspace: workspace)
            let id = try store.declare(declaration()).incident
            let perWriter = 150
            let writers = try (0..<2).map { _ in try Writer(workspace: workspace, count: perWriter) }
            let acknowledged = writers.map { $0.remainingIDs() }
            for writer in writers {
                writer.process.waitUntilExit()
                #expect(writer.process.terminationStatus == 0, "\(writer.errorOutput)")
            }
            #expect(acknowledged.map(\.count) == [perWriter, perWriter])

            let events = try store.events(of: id)
            #expect(events.count == 1 + 2 * perWriter)
            #expect(Set(events.map(\.id)).count == events.count)
            #expect(Set(acknowledged.joined()) == Set(events.dropFirst().map(\.id)))
            // Each writer's notes are all there, in its own order.
            for writer in writers {
                let name = "writer-\(writer.process.processIdentifier)"
                let texts = events.filter { $0.actor == name }.map(\.payload)
                #expect(texts == (1...perWriter).map { .note("\(name) note \($0)") })
            }
            #expect(try store.incidents().first?.eventCount == 1 + 2 * perWriter)
        }
    }

    @Test("two processes creating the same new workspace at once both get a working store")
    func twoProcessesCreate() throws {
        try withWorkspace { workspace in
            let writers = try (0..<2).map { _ in try Writer(workspace: workspace, count: 5) }
            let acknowledged = writers.map { $0.remainingIDs() }
            for writer in writers {
                writer.process.waitUntilExit()
                #expect(writer.process.terminationStatus == 0, "\(writer.errorOutput)")
            }
            let store = try SQLiteEventStore.open(workspace: workspace)
            let stored = Set(try store.events(after: 0, limit: 100).map(\.id))
            #expect(acknowledged.map(\.count) == [5, 5])
            #expect(Set(acknowledged.joined()).isSubset(of: stored))
        }
    }

    @Test("kill -9 mid-stream loses nothing acknowledged and leaves a store that opens")
    func killNine() throws {
        try withWorkspace { workspace in
            var acknowledged: Set<EventID> = []
            // 0: killed while it may still be creating the store.
            for stopAfter in [0, 1, 3, 17, 60] {
                let writer = try Writer(workspace: workspace, count: 0)
                for _ in 0..<stopAfter {
                    guard let id = writer.nextID() else {
                        Issue.record("writer stopped early: \(writer.errorOutput)")
                        return
                    }
                    acknowledged.insert(id)
                }
                writer.kill()
                #expect(writer.process.terminationReason == .uncaughtSignal)
                // Lines already written before the kill were acknowledged too.
                acknowledged.formUnion(writer.remainingIDs())

                let store = try SQLiteEventStore.open(workspace: workspace)
                let all = try store.events(after: 0, limit: .max)
                #expect(acknowledged.isSubset(of: Set(all.map(\.id))))
                #expect(Set(all.map(\.id)).count == all.count)
                let states = try store.incidents()
                #expect(states.map(\.eventCount).reduce(0, +) == all.count)
                for state in states {
                    #expect(state == IncidentState.fold(try store.events(of: state.id)))
                }
            }
            #expect(acknowledged.count >= 81)
        }
    }
}
