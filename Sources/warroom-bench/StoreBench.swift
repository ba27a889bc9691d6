import Foundation
import GRDB
import IncidentCore
import IncidentStore

/// The event store's figures: durable append latency against bare SQLite, and opening a 100,000-event incident.
enum StoreBench {
    static let sections = [
        BenchSection(name: "append", title: "durable append latency (SQLiteEventStore vs bare SQLite insert+commit)", run: append),
        BenchSection(name: "fold", title: "open a store and fold a 100,000-event incident", run: fold),
    ]

    static let appendCount = 2_000
    static let foldEvents = 100_000

    private static let insertSQL = """
        INSERT INTO events (incident, kind, occurred_at, recorded_at, actor, text, value, prior, reason, ref, extra)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    // MARK: - Append latency

    static func append() throws -> [Figure] {
        let directory = try scratchDirectory("append")
        defer { try? FileManager.default.removeItem(at: directory) }

        let store = try SQLiteEventStore(path: directory.appendingPathComponent("store.sqlite").path)
        let start = Date()
        let incident = try store.declare(EventDraft(
            occurredAt: start, recordedAt: start, actor: "bench",
            payload: .declared(Declaration(title: "append bench", severity: .l2)))).incident
        let bare = try bareDatabase(directory.appendingPathComponent("bare.sqlite").path)

        func appendNote(_ n: Int) throws {
            _ = try store.append(to: incident) { state in
                let now = Date()
                return [EventDraft(occurredAt: now, recordedAt: now, actor: "bench",
                                   payload: try state.decide(.note("bench note \(n)"), at: now, now: now))]
            }
        }
        func insertRow(_ n: Int) throws {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            try bare.write { db in
                try db.cachedStatement(sql: insertSQL).execute(arguments: [
                    incident, "note", now, now, "bench", "bench note \(n)", nil, nil, nil, nil, nil,
                ])
            }
        }

        for n in 0..<100 {
            try appendNote(n)
            try insertRow(n)
        }
        // Interleaved, so a noisy neighbour on the shared disk hits both sides alike.
        var storeSamples = Samples(capacity: appendCount), bareSamples = Samples(capacity: appendCount)
        for n in 0..<appendCount {
            storeSamples.record(try milliseconds { try appendNote(n) }.1)
            bareSamples.record(try milliseconds { try insertRow(n) }.1)
        }
        let ratio = storeSamples.mean / bareSamples.mean
        return [
            Figure("SQLiteEventStore.append (one note), mean", storeSamples.mean, "ms", detail: storeSamples.summary),
            Figure("bare GRDB insert + commit (same row), mean", bareSamples.mean, "ms", detail: bareSamples.summary),
            Figure("ratio store / bare (mean)", ratio, "×", target: .atMost(1.5),
                   detail: "p50 ratio \(Figure.format(storeSamples.percentile(50) / bareSamples.percentile(50)))×"),
        ]
    }

    /// The same table in a plain DatabaseQueue, with the same durability settings as the store.
    private static func bareDatabase(_ path: String) throws -> DatabaseQueue {
        var config = Configuration()
        config.journalMode = .wal
        config.busyMode = .timeout(5)
        let queue = try DatabaseQueue(path: path, configuration: config)
        try queue.writeWithoutTransaction { db in
            // GRDB's WAL setup leaves synchronous NORMAL; the store commits with FULL, so must this.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: """
                CREATE TABLE events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, incident TEXT NOT NULL, kind TEXT NOT NULL,
                    occurred_at INTEGER NOT NULL, recorded_at INTEGER NOT NULL, actor TEXT NOT NULL,
                    text TEXT, value TEXT, prior TEXT, reason TEXT, ref INTEGER, extra TEXT);
                CREATE INDEX events_by_incident ON events (incident, id);
                """)
        }
        return queue
    }

    // MARK: - Fold

    static func fold() throws -> [Figure] {
        let directory = try scratchDirectory("fold")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("store.sqlite").path

        let (incident, setupMilliseconds) = try milliseconds { try makeLongIncident(at: path) }

        // Each run opens a fresh instance, so nothing is cached.
        var openAndFold = Samples(), eventsAndFold = Samples()
        var folded: IncidentState?
        for _ in 0..<5 {
            let (states, ms) = try milliseconds { try SQLiteEventStore(path: path).incidents() }
            openAndFold.record(ms)
            folded = states.first
        }
        for _ in 0..<3 {
            eventsAndFold.record(try milliseconds {
                let store = try SQLiteEventStore(path: path)
                return IncidentState.fold(try store.events(of: incident))
            }.1)
        }
        guard let folded, folded.eventCount == foldEvents, folded.lifecycle == .monitoring else {
            throw BenchError("the fold came out wrong: \(String(describing: folded?.eventCount)) events")
        }

        // Appending to the long incident: the first append on a new instance folds it all, later ones only the tail.
        let store = try SQLiteEventStore(path: path)
        let firstAppend = try milliseconds { try appendNote(to: incident, store, 0) }.1
        var cachedAppends = Samples()
        for n in 1...200 { cachedAppends.record(try milliseconds { try appendNote(to: incident, store, n) }.1) }

        return [
            Figure("setup: write \(foldEvents) events in one transaction", setupMilliseconds, "ms"),
            Figure("open + incidents() on a fresh instance, median", openAndFold.percentile(50), "ms",
                   target: .atMost(250), detail: "best \(Figure.format(openAndFold.values.min() ?? 0)) ms of 5"),
            Figure("open + events(of:) + IncidentState.fold, median", eventsAndFold.percentile(50), "ms",
                   detail: "best \(Figure.format(eventsAndFold.values.min() ?? 0)) ms of 3"),
            Figure("first append on a fresh instance (folds 100k)", firstAppend, "ms"),
            Figure("later appends to the 100k incident (cached), mean", cachedAppends.mean, "ms", detail: cachedAppends.summary),
        ]
    }

    private static func appendNote(to incident: IncidentID, _ store: SQLiteEventStore, _ n: Int) throws {
        _ = try store.append(to: incident) { state in
            let now = Date()
            return [EventDraft(occurredAt: now, recordedAt: now, actor: "bench",
                               payload: try state.decide(.note("late note \(n)"), at: now, now: now))]
        }
    }

    /// Declares through the store, then writes the rest straight into the table in one transaction:
    /// 100,000 durable appends would take minutes and measure nothing new.
    private static func makeLongIncident(at path: String) throws -> IncidentID {
        let start = Date().addingTimeInterval(-Double(foldEvents) - 3600)
        let incident: IncidentID
        do {
            let store = try SQLiteEventStore(path: path)
            incident = try store.declare(EventDraft(
                occurredAt: start, recordedAt: start, actor: "ic",
                payload: .declared(Declaration(title: "storage tier lost", severity: .l2, impact: "uploads fail")))).incident
        }
        // A realistic mix: mostly notes, with decisions, actions, roles, broadcasts, corrections and the lifecycle.
        let milestones: [Int: EventPayload] = [
            10: .stateChanged(from: .declared, to: .investigating, reason: nil, override: nil),
            500: .severityChanged(from: .l2, to: .l1, reason: "backups affected"),
            20_000: .stateChanged(from: .investigating, to: .identified, reason: "ops tool bug", override: nil),
            40_000: .stateChanged(from: .identified, to: .mitigating, reason: "restore from backup", override: nil),
            90_000: .stateChanged(from: .mitigating, to: .monitoring, reason: nil, override: nil),
        ]
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            let statement = try db.makeStatement(sql: insertSQL)
            for n in 1..<foldEvents {
                let payload: EventPayload =
                    if let milestone = milestones[n] { milestone }
                    else if n % 997 == 0 { .roleAssigned(role: "scribe", holder: "scribe-\(n % 7)") }
                    else if n % 300 == 0 { .statusUpdateSent(message: "update \(n): restoring storage, next update in 15 minutes") }
                    else if n % 101 == 0 { .correction(of: Int64(n - 50), text: "corrected entry \(n - 50)") }
                    else if n % 53 == 0 { .decision("decision \(n): keep the restore going") }
                    else if n % 29 == 0 { .actionItem("action \(n): audit the ops tool") }
                    else { .note("note \(n): storage node \(n % 40) restore at \(n % 100)%") }
                let c = payload.columns
                let at = Int64(start.addingTimeInterval(Double(n)).timeIntervalSince1970 * 1000)
                try statement.execute(arguments: [
                    incident, c.kind, at, at, "scribe", c.text, c.value, c.prior, c.reason, c.ref, c.extra,
                ])
            }
        }
        return incident
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
