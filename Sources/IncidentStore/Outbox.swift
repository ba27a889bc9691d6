import Foundation
import GRDB
import IncidentCore

/// The durable outbox: one row per status update and channel, beside the event log in the same file.
///
/// Rows hold the channel's name and the content to send, never an address or a token. Unlike events, rows
/// change (attempts, leases, status), but none is ever deleted: the outbox is the record of what went where.
extension SQLiteEventStore {
    /// Migration "v2".
    static func createOutbox(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE outbox (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                incident TEXT NOT NULL REFERENCES incidents (id),
                update_event INTEGER NOT NULL REFERENCES events (id),
                channel TEXT NOT NULL,
                idempotency_key TEXT NOT NULL UNIQUE,
                content TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'abandoned')),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at INTEGER NOT NULL,
                lease_owner TEXT,
                lease_until INTEGER,
                last_problem TEXT,
                created_at INTEGER NOT NULL,
                finished_at INTEGER,
                UNIQUE (update_event, channel)
            );
            CREATE INDEX outbox_by_status ON outbox (status, channel, id);
            CREATE INDEX outbox_by_incident ON outbox (incident, id);
            CREATE TRIGGER outbox_keeps_every_delivery BEFORE DELETE ON outbox
            BEGIN SELECT RAISE(ABORT, 'the outbox keeps every delivery: rows cannot be deleted'); END;
            """)
    }

    /// Part of migration "v3": which workers were seen lately and the channels each can send.
    static func createOutboxWorkers(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE outbox_workers (
                owner TEXT PRIMARY KEY NOT NULL,
                channels TEXT NOT NULL,
                seen_at INTEGER NOT NULL
            );
            """)
    }

    public func recordStatusUpdate(
        to incident: IncidentID, actor: String, now: Date, _ plan: (IncidentState) throws -> StatusUpdatePlan
    ) throws -> RecordedStatusUpdate {
        try write { db in
            try withIncident(incident, db) { state, append in
                let plan = try plan(state)
                try plan.validate()
                let update = try append(plan.update)
                var deliveries: [Delivery] = []
                for (channel, content) in plan.deliveries {
                    let key = "warroom-" + UUID().uuidString.lowercased()
                    try db.execute(
                        sql: """
                            INSERT INTO outbox (incident, update_event, channel, idempotency_key, content, status,
                                                next_attempt_at, created_at)
                            VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)
                            """,
                        arguments: [incident, update.id, channel, key, try content.storedText(), ms(now), ms(now)])
                    deliveries.append(Delivery(
                        id: db.lastInsertedRowID, incident: incident, update: update.id, channel: channel,
                        idempotencyKey: key, content: content, status: .pending, attempts: 0,
                        nextAttemptAt: date(ms(now)), lastProblem: nil, finishedAt: nil))
                }
                var events = [update]
                if !deliveries.isEmpty {
                    events.append(try append(EventDraft(
                        occurredAt: update.occurredAt, recordedAt: update.recordedAt, actor: actor,
                        payload: .delivery(.queued(update: update.id, channels: deliveries.map(\.channel))))))
                }
                return RecordedStatusUpdate(events: events, deliveries: deliveries)
            }
        }
    }

    public func claimDue(
        now: Date, owner: String, leaseUntil: Date, channels: Set<String>, busy: Set<String>,
        ownerIsGone: (String) -> Bool
    ) throws -> [Delivery] {
        try write { db in
            // The head of each channel: its oldest pending delivery. Nothing behind a head may overtake it.
            let heads = try Row.fetchAll(db, sql: """
                SELECT \(Self.columns) FROM outbox
                WHERE id IN (SELECT MIN(id) FROM outbox WHERE status = 'pending' GROUP BY channel)
                ORDER BY id
                """)
            var claimed: [Delivery] = []
            for row in heads {
                let delivery = try Self.delivery(row)
                guard channels.contains(delivery.channel), !busy.contains(delivery.channel), delivery.nextAttemptAt <= now
                else { continue }
                let holder: String? = row["lease_owner"]
                let until: Int64? = row["lease_until"]
                if let holder, holder != owner, let until, until > ms(now), !ownerIsGone(holder) { continue }
                try db.execute(
                    sql: "UPDATE outbox SET lease_owner = ?, lease_until = ? WHERE id = ?",
                    arguments: [owner, ms(leaseUntil), delivery.id])
                claimed.append(delivery)
            }
            return claimed
        }
    }

    public func finishAttempt(
        _ delivery: Delivery, owner: String, now: Date, result: AttemptResult, entry: EventDraft
    ) throws -> Event? {
        try write { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT lease_owner, status FROM outbox WHERE id = ?", arguments: [delivery.id])
            guard let row, row["lease_owner"] as String? == owner, row["status"] as String? == DeliveryStatus.pending.rawValue
            else { return nil }
            switch result {
            case .delivered:
                try db.execute(
                    sql: """
                        UPDATE outbox SET status = 'delivered', attempts = attempts + 1, last_problem = NULL,
                            finished_at = ?, lease_owner = NULL, lease_until = NULL WHERE id = ?
                        """,
                    arguments: [ms(now), delivery.id])
            case .retry(let problem, let at):
                try db.execute(
                    sql: """
                        UPDATE outbox SET attempts = attempts + 1, last_problem = ?, next_attempt_at = ?,
                            lease_owner = NULL, lease_until = NULL WHERE id = ?
                        """,
                    arguments: [problem, ms(at), delivery.id])
            case .abandon(let problem):
                try db.execute(
                    sql: """
                        UPDATE outbox SET status = 'abandoned', attempts = attempts + 1, last_problem = ?,
                            finished_at = ?, lease_owner = NULL, lease_until = NULL WHERE id = ?
                        """,
                    arguments: [problem, ms(now), delivery.id])
            }
            return try withIncident(delivery.incident, db) { _, append in try append(entry) }
        }
    }

    public func releaseLease(_ delivery: Delivery, owner: String) throws {
        try write { db in
            try db.execute(
                sql: "UPDATE outbox SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?",
                arguments: [delivery.id, owner])
        }
    }

    public func requeue(ids: [Int64]?, incident: IncidentID?, actor: String, now: Date, at entryTime: Date) throws -> [Delivery] {
        try write { db in
            var sql = "SELECT \(Self.columns) FROM outbox WHERE status = 'abandoned'"
            var arguments: [DatabaseValueConvertible] = []
            if let ids {
                sql += " AND id IN (\(ids.map { _ in "?" }.joined(separator: ", ")))"
                arguments += ids
            }
            if let incident {
                sql += " AND incident = ?"
                arguments.append(incident)
            }
            let rows = try Row.fetchAll(db, sql: sql + " ORDER BY id", arguments: StatementArguments(arguments))
            var requeued: [Delivery] = []
            for row in rows {
                var delivery = try Self.delivery(row)
                try db.execute(
                    sql: """
                        UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, finished_at = NULL,
                            lease_owner = NULL, lease_until = NULL WHERE id = ?
                        """,
                    arguments: [ms(now), delivery.id])
                _ = try withIncident(delivery.incident, db) { _, append in
                    try append(EventDraft(occurredAt: entryTime, recordedAt: entryTime, actor: actor,
                                          payload: .delivery(.requeued(update: delivery.update, channel: delivery.channel))))
                }
                delivery.status = .pending
                delivery.attempts = 0
                delivery.nextAttemptAt = date(ms(now))
                delivery.finishedAt = nil
                requeued.append(delivery)
            }
            return requeued
        }
    }

    public func deliveries(incident: IncidentID?, statuses: Set<DeliveryStatus>?) throws -> [Delivery] {
        try read { db in
            var conditions: [String] = []
            var arguments: [DatabaseValueConvertible] = []
            if let incident {
                conditions.append("incident = ?")
                arguments.append(incident)
            }
            if let statuses {
                guard !statuses.isEmpty else { return [] }
                conditions.append("status IN (\(statuses.map { _ in "?" }.joined(separator: ", ")))")
                arguments += statuses.map(\.rawValue).sorted()
            }
            let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(
                db, sql: "SELECT \(Self.columns) FROM outbox\(filter) ORDER BY id", arguments: StatementArguments(arguments)
            ).map(Self.delivery)
        }
    }

    public func nextDueTime() throws -> Date? {
        try read { db in
            try Int64.fetchOne(db, sql: "SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending'").map(date)
        }
    }

    public func workerSeen(owner: String, channels: Set<String>, at now: Date) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO outbox_workers (owner, channels, seen_at) VALUES (?, ?, ?)
                    ON CONFLICT (owner) DO UPDATE SET channels = excluded.channels, seen_at = excluded.seen_at
                    """,
                arguments: [owner, channels.sorted().joined(separator: "\n"), ms(now)])
        }
    }

    public func unservedChannels(seenSince since: Date) throws -> [String: Int] {
        try read { db in
            let served = Set(try String.fetchAll(
                db, sql: "SELECT channels FROM outbox_workers WHERE seen_at >= ?", arguments: [ms(since)]
            ).flatMap { $0.split(separator: "\n").map(String.init) })
            var waiting: [String: Int] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT channel, COUNT(*) AS n FROM outbox WHERE status = 'pending' GROUP BY channel")
            {
                let channel: String = row["channel"]
                if !served.contains(channel) { waiting[channel] = row["n"] }
            }
            return waiting
        }
    }

    // MARK: Rows

    private static let columns = """
        id, incident, update_event, channel, idempotency_key, content, status, attempts, next_attempt_at,
        lease_owner, lease_until, last_problem, finished_at
        """

    private static func delivery(_ row: Row) throws -> Delivery {
        let id: Int64 = row["id"]
        guard let status = DeliveryStatus(rawValue: row["status"]) else {
            throw StoreError.damaged("outbox row \(id) has an unknown status")
        }
        let content: StatusUpdateContent
        do {
            content = try StatusUpdateContent(storedText: row["content"] as String)
        } catch {
            throw StoreError.damaged("outbox row \(id) has unreadable content")
        }
        return Delivery(
            id: id, incident: row["incident"], update: row["update_event"], channel: row["channel"],
            idempotencyKey: row["idempotency_key"], content: content, status: status, attempts: row["attempts"],
            nextAttemptAt: date(row["next_attempt_at"]), lastProblem: row["last_problem"],
            finishedAt: (row["finished_at"] as Int64?).map(date))
    }

}

/// Outbox times are whole milliseconds, like event times.
private func ms(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
private func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
