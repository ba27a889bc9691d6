import Foundation
import GRDB
import IncidentCore
import IncidentStore
import Postmortem

/// `warroom-bench postmortem`: generating the postmortem of a 100,000-event incident, end to end and by phase.
enum PostmortemBench {
    static let eventCount = 100_000

    static let sections = [
        BenchSection(name: "postmortem", title: "Postmortem: generate for a \(eventCount)-event incident", run: run),
    ]

    static func run() async throws -> [Figure] {
        let workspace = try scratchDirectory("postmortem")
        defer { try? FileManager.default.removeItem(at: workspace) }
        let (incident, end) = try seed(workspace)
        let utc = TimeZone(identifier: "UTC")!
        let writer = PostmortemWriter(workspace: workspace, timeZone: utc)
        let template = PostmortemTemplate.builtIn

        var whole = Samples(capacity: 5)
        var phases: [String: Samples] = [:]
        var size = 0
        for round in 0..<5 {
            let now = end.addingTimeInterval(Double(60 * (round + 1)))
            // The command's path: open the store, then read, fold, compute, render, write the file and record it.
            let (outcome, total) = try await milliseconds {
                let store = try SQLiteEventStore.open(workspace: workspace)
                return try await writer.generate(incident: incident, store: store, template: template, now: now, actor: "bench")
            }
            whole.record(total)
            size = outcome.text.utf8.count
            guard outcome.event != nil, outcome.facts.eventCount >= eventCount,
                  outcome.text.contains("| MTTR | time to resolve |") else {
                throw BenchError("the postmortem came out wrong (\(outcome.facts.eventCount) events)")
            }

            // The same work split into phases, to show where the time goes.
            let store = try SQLiteEventStore.open(workspace: workspace)
            let (events, load) = try milliseconds { try store.events(of: incident) }
            let (facts, compute) = milliseconds { PostmortemFacts(events: events, asOf: now)! }
            let (_, render) = milliseconds { template.render(facts, timeZone: utc) }
            for (name, value) in [("load", load), ("facts", compute), ("render", render)] {
                phases[name, default: Samples()].record(value)
            }
        }
        let breakdown = ["load", "facts", "render"]
            .map { "\($0) \(Figure.format(phases[$0]?.percentile(50) ?? 0))" }.joined(separator: ", ")
        return [
            Figure("open, load, facts, render, write, record: median", whole.percentile(50), "ms",
                   target: .atMost(1000), detail: "best \(Figure.format(whole.values.min() ?? 0)) ms of 5"),
            Figure("phases, median", (phases["load"]?.percentile(50) ?? 0) + (phases["facts"]?.percentile(50) ?? 0)
                   + (phases["render"]?.percentile(50) ?? 0), "ms", detail: breakdown),
            Figure("document size", Double(size) / 1_048_576, "MiB"),
        ]
    }

    private static let insertSQL = """
        INSERT INTO events (incident, kind, occurred_at, recorded_at, actor, text, value, prior, reason, ref, extra)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// A storage outage one event a second, declared through the store and the rest written in one transaction:
    /// mostly notes (some backdated), with decisions, action items, roles, corrections, status updates every five
    /// minutes, two severity changes and the lifecycle through to resolution. Returns the incident and its last time.
    private static func seed(_ workspace: URL) throws -> (IncidentID, Date) {
        let start = Date().addingTimeInterval(-Double(eventCount) - 7200)
        let store = try SQLiteEventStore.open(workspace: workspace)
        let declaration = try store.declare(EventDraft(
            occurredAt: start, recordedAt: start, actor: "maria",
            payload: .declared(Declaration(title: "Document storage offline", severity: .l2, impact: "opens and saves fail"))))
        let milestones: [Int: EventPayload] = [
            10: .stateChanged(from: .declared, to: .investigating, reason: nil, override: nil),
            500: .severityChanged(from: .l2, to: .l1, reason: "data at risk"),
            20_000: .stateChanged(from: .investigating, to: .identified, reason: "ops tool bug", override: nil),
            40_000: .stateChanged(from: .identified, to: .mitigating, reason: "restore from backup", override: nil),
            60_000: .severityChanged(from: .l1, to: .l2, reason: "restore done, verifying"),
            90_000: .stateChanged(from: .mitigating, to: .monitoring, reason: "integrity verified", override: nil),
            99_990: .stateChanged(from: .monitoring, to: .resolved, reason: "fully recovered", override: nil),
        ]
        let actors = ["maria", "dev", "chen", "bob"]
        let path = SQLiteEventStore.databaseURL(workspace: workspace).path
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            let statement = try db.makeStatement(sql: insertSQL)
            for n in 1..<eventCount {
                let payload: EventPayload =
                    if let milestone = milestones[n] { milestone }
                    else if n % 997 == 0 { .roleAssigned(role: ["scribe", "comms", "deputy"][n % 3], holder: actors[n % 4]) }
                    else if n % 300 == 0 { .statusUpdateSent(message: "update \(n): restoring storage, next update in 15 minutes") }
                    else if n % 101 == 0 { .correction(of: declaration.id + Int64(n - 50), text: "corrected entry \(n - 50)") }
                    else if n % 53 == 0 { .decision("decision \(n): keep the restore going") }
                    else if n % 29 == 0 { .actionItem("action \(n): audit the ops tool") }
                    else { .note("note \(n): storage node \(n % 40) restore at \(n % 100)% | batch <\(n % 7)>") }
                let c = payload.columns
                let recorded = start.addingTimeInterval(Double(n))
                // Every 50th note was typed five minutes after it happened.
                let occurred = n % 50 == 0 && c.kind == "note" ? recorded.addingTimeInterval(-300) : recorded
                try statement.execute(arguments: [
                    declaration.incident, c.kind, Int64(occurred.timeIntervalSince1970 * 1000),
                    Int64(recorded.timeIntervalSince1970 * 1000), actors[n % 4], c.text, c.value, c.prior, c.reason, c.ref, c.extra,
                ])
            }
        }
        return (declaration.incident, start.addingTimeInterval(Double(eventCount)))
    }
}
