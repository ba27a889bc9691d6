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
    @Test("a folder on a network share is told apart from a local disk, and a store there is refused")
    func networkShares() throws {
        #expect(FileSystemKind.classify(magic: 0x6969) == .network("NFS"))
        #expect(FileSystemKind.classify(magic: 0x517B) == .network("SMB"))
        #expect(FileSystemKind.classify(magic: 0xFE53_4D42) == .network("SMB2"))
        #expect(FileSystemKind.classify(magic: 0xFF53_4D42) == .network("CIFS"))
        #expect(FileSystemKind.classify(magic: 0xEF53) == .local, "ext4")
        #expect(FileSystemKind.classify(magic: 0x0102_1994) == .local, "tmpfs")
        #expect(FileSystemKind.classify(magic: 0x794C_7630) == .local, "overlayfs")
        try withWorkspace { workspace in
            #expect(FileSystemKind.of(workspace.path) == .local)
            #expect(FileSystemKind.of(workspace.appendingPathComponent("not/made/yet").path) == .local)
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

    /// Writers waiting for each other (and readers never waiting) are StoreLockTests' subject, through the real binary.
    @Test("commits are synced (WAL, synchronous FULL), and the write-ahead log outlives the last connection")
    func durabilitySettings() throws {
        try withWorkspace { workspace in
            let store = try SQLiteEventStore.open(workspace: workspace)
            #expect(try store.writerPragma("journal_mode") == "wal")
            // 2 = FULL; GRDB's pool would leave NORMAL, which syncs only at checkpoints.
            #expect(try store.writerPragma("synchronous") == "2")
            _ = try store.declare(declaration())
        }
        // Persistent WAL: the -wal file stays after the last connection closes, so opening the store never has to
        // write a fresh one, which would wait for another process's write lock.
        try withWorkspace { workspace in
            do { _ = try SQLiteEventStore.open(workspace: workspace).declare(declaration()) }
            #expect(FileManager.default.fileExists(atPath: databasePath(workspace) + "-wal"))
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
