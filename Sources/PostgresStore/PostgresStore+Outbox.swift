import Foundation
import IncidentCore
import PostgresNIO

/// The durable outbox beside the log, with the SQLite store's semantics: one row per status update and channel,
/// leased by workers (on any machine) with `FOR UPDATE SKIP LOCKED`, never deleted.
extension PostgresStore {
    public func recordStatusUpdate(
        to incident: IncidentID, actor: String, now: Date, _ plan: (IncidentState) throws -> StatusUpdatePlan
    ) async throws -> RecordedStatusUpdate {
        let (recorded, state) = try await write { connection -> (RecordedStatusUpdate, IncidentState) in
            var state = try await lockedState(of: incident, connection)
            let decided: StatusUpdatePlan
            do {
                decided = try plan(state)
                try decided.validate()
            } catch {
                remember(state)
                throw error
            }
            let draft = Self.normalized(decided.update)
            let update = draft.event(id: try await insert(draft, into: incident, clientID: nil, connection), incident: incident)
            state.apply(update)
            var deliveries: [Delivery] = []
            for (channel, content) in decided.deliveries {
                let key = "warroom-" + UUID().uuidString.lowercased()
                let id = try await connection.query("""
                    INSERT INTO outbox (workspace, incident, update_event, channel, idempotency_key, content, status,
                                        next_attempt_at, created_at)
                    VALUES (\(workspace), \(incident), \(update.id), \(channel), \(key), \(try content.storedText()), 'pending',
                            \(ms(now)), \(ms(now)))
                    RETURNING id
                    """, logger: quietLogger).collect().first?.decode(Int64.self)
                guard let id else { throw StoreError.damaged("\(location.redacted): an outbox row got no id") }
                deliveries.append(Delivery(
                    id: id, incident: incident, update: update.id, channel: channel, idempotencyKey: key, content: content,
                    status: .pending, attempts: 0, nextAttemptAt: Self.date(ms(now)), lastProblem: nil, finishedAt: nil))
            }
            var events = [update]
            if !deliveries.isEmpty {
                let queued = Self.normalized(EventDraft(
                    occurredAt: update.occurredAt, recordedAt: update.recordedAt, actor: actor,
                    payload: .delivery(.queued(update: update.id, channels: deliveries.map(\.channel)))))
                let event = queued.event(id: try await insert(queued, into: incident, clientID: nil, connection), incident: incident)
                state.apply(event)
                events.append(event)
            }
            return (RecordedStatusUpdate(events: events, deliveries: deliveries), state)
        } wrote: { _ in true }
        remember(state)
        return recorded
    }

    public func claimDue(
        now: Date, owner: String, leaseUntil: Date, channels: Set<String>, busy: Set<String>,
        ownerIsGone: (String) -> Bool
    ) async throws -> [Delivery] {
        try await work.transaction { connection in
            // The head of each channel: its oldest pending delivery; nothing behind a head may overtake it. A head
            // another worker is claiming at this moment is skipped, not waited for: that worker will have it.
            let rows = try await connection.query("""
                SELECT \(unescaped: Self.deliveryColumns) FROM outbox
                WHERE workspace = \(workspace) AND status = 'pending' AND next_attempt_at <= \(Self.milliseconds(now))
                    AND id IN (
                        SELECT MIN(id) FROM outbox
                        WHERE workspace = \(workspace) AND status = 'pending' AND channel = ANY(\(Array(channels))::text[])
                            AND NOT (channel = ANY(\(Array(busy))::text[]))
                        GROUP BY channel)
                ORDER BY id
                FOR UPDATE SKIP LOCKED
                """, logger: quietLogger).collect()
            var claimed: [Delivery] = []
            for row in rows {
                let delivery = try Self.delivery(row)
                let cells = row.makeRandomAccess()
                let holder = try cells[9].decode(String?.self)
                let until = try cells[10].decode(Int64?.self)
                if let holder, holder != owner, let until, until > ms(now), !ownerIsGone(holder) { continue }
                try await connection.query("""
                    UPDATE outbox SET lease_owner = \(owner), lease_until = \(ms(leaseUntil))
                    WHERE workspace = \(workspace) AND id = \(delivery.id)
                    """, logger: quietLogger)
                claimed.append(delivery)
            }
            return claimed
        }
    }

    public func finishAttempt(
        _ delivery: Delivery, owner: String, now: Date, result: AttemptResult, entry: EventDraft
    ) async throws -> Event? {
        let event = try await write { connection -> Event? in
            // The incident first: its lock must come before this transaction's first write, and locking the row is one.
            try await lock(delivery.incident, connection)
            let row = try await connection.query("""
                SELECT lease_owner, status FROM outbox WHERE workspace = \(workspace) AND id = \(delivery.id) FOR UPDATE
                """, logger: quietLogger).collect().first
            guard let (holder, status) = try row?.decode((String?, String).self), holder == owner,
                  status == DeliveryStatus.pending.rawValue
            else { return nil }
            switch result {
            case .delivered:
                try await connection.query("""
                    UPDATE outbox SET status = 'delivered', attempts = attempts + 1, last_problem = NULL,
                        finished_at = \(ms(now)), lease_owner = NULL, lease_until = NULL
                    WHERE workspace = \(workspace) AND id = \(delivery.id)
                    """, logger: quietLogger)
            case .retry(let problem, let at):
                try await connection.query("""
                    UPDATE outbox SET attempts = attempts + 1, last_problem = \(problem), next_attempt_at = \(ms(at)),
                        lease_owner = NULL, lease_until = NULL
                    WHERE workspace = \(workspace) AND id = \(delivery.id)
                    """, logger: quietLogger)
            case .abandon(let problem):
                try await connection.query("""
                    UPDATE outbox SET status = 'abandoned', attempts = attempts + 1, last_problem = \(problem),
                        finished_at = \(ms(now)), lease_owner = NULL, lease_until = NULL
                    WHERE workspace = \(workspace) AND id = \(delivery.id)
                    """, logger: quietLogger)
            }
            let draft = Self.normalized(entry)
            return draft.event(id: try await insert(draft, into: delivery.incident, clientID: nil, connection),
                               incident: delivery.incident)
        } wrote: { $0 != nil }
        return event
    }

    public func releaseLease(_ delivery: Delivery, owner: String) async throws {
        try await work.with { connection in
            _ = try await connection.query("""
                UPDATE outbox SET lease_owner = NULL, lease_until = NULL
                WHERE workspace = \(workspace) AND id = \(delivery.id) AND lease_owner = \(owner)
                """, logger: quietLogger)
        }
    }

    public func requeue(ids: [Int64]?, incident: IncidentID?, actor: String, now: Date, at entryTime: Date) async throws
        -> [Delivery]
    {
        let requeued = try await write { connection -> [Delivery] in
            // Each incident's lock before any write (locking the rows is one), in one order so two requeues cannot
            // deadlock; the rows are then read again, locked, among those incidents only.
            let incidents = try await connection.query("""
                SELECT DISTINCT incident FROM outbox
                WHERE workspace = \(workspace) AND status = 'abandoned'
                    AND (\(ids)::bigint[] IS NULL OR id = ANY(\(ids)::bigint[])) AND (\(incident)::text IS NULL OR incident = \(incident))
                ORDER BY incident
                """, logger: quietLogger).collect().map { try $0.decode(String.self) }
            for locked in incidents { try await lock(locked, connection) }
            let rows = try await connection.query("""
                SELECT \(unescaped: Self.deliveryColumns) FROM outbox
                WHERE workspace = \(workspace) AND status = 'abandoned'
                    AND (\(ids)::bigint[] IS NULL OR id = ANY(\(ids)::bigint[])) AND incident = ANY(\(incidents)::text[])
                ORDER BY id
                FOR UPDATE
                """, logger: quietLogger).collect()
            var requeued: [Delivery] = []
            for row in rows {
                var delivery = try Self.delivery(row)
                try await connection.query("""
                    UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = \(ms(now)), finished_at = NULL,
                        lease_owner = NULL, lease_until = NULL
                    WHERE workspace = \(workspace) AND id = \(delivery.id)
                    """, logger: quietLogger)
                let entry = Self.normalized(EventDraft(
                    occurredAt: entryTime, recordedAt: entryTime, actor: actor,
                    payload: .delivery(.requeued(update: delivery.update, channel: delivery.channel))))
                _ = try await insert(entry, into: delivery.incident, clientID: nil, connection)
                delivery.status = .pending
                delivery.attempts = 0
                delivery.nextAttemptAt = Self.date(ms(now))
                delivery.finishedAt = nil
                requeued.append(delivery)
            }
            return requeued
        } wrote: { !$0.isEmpty }
        return requeued
    }

    public func deliveries(incident: IncidentID?, statuses: Set<DeliveryStatus>?) async throws -> [Delivery] {
        if let statuses, statuses.isEmpty { return [] }
        let statuses = statuses.map { $0.map(\.rawValue).sorted() }
        return try await work.with { connection in
            try await connection.query("""
                SELECT \(unescaped: Self.deliveryColumns) FROM outbox
                WHERE workspace = \(workspace) AND (\(incident)::text IS NULL OR incident = \(incident))
                    AND (\(statuses)::text[] IS NULL OR status = ANY(\(statuses)::text[]))
                ORDER BY id
                """, logger: quietLogger).collect().map(Self.delivery)
        }
    }

    public func nextDueTime() async throws -> Date? {
        try await work.with { connection in
            try await connection.query(
                "SELECT MIN(next_attempt_at) FROM outbox WHERE workspace = \(workspace) AND status = 'pending'",
                logger: quietLogger
            ).collect().first?.decode(Int64?.self).map(Self.date)
        }
    }

    public func workerSeen(owner: String, channels: Set<String>, at now: Date) async throws {
        try await work.with { connection in
            _ = try await connection.query("""
                INSERT INTO outbox_workers (workspace, owner, channels, seen_at)
                VALUES (\(workspace), \(owner), \(channels.sorted())::text[], \(ms(now)))
                ON CONFLICT (workspace, owner) DO UPDATE SET channels = excluded.channels, seen_at = excluded.seen_at
                """, logger: quietLogger)
        }
    }

    public func unservedChannels(seenSince since: Date) async throws -> [String: Int] {
        try await work.with { connection in
            var waiting: [String: Int] = [:]
            for row in try await connection.query("""
                SELECT channel, COUNT(*) FROM outbox
                WHERE workspace = \(workspace) AND status = 'pending' AND NOT EXISTS (
                    SELECT 1 FROM outbox_workers w
                    WHERE w.workspace = \(workspace) AND w.seen_at >= \(ms(since)) AND outbox.channel = ANY(w.channels))
                GROUP BY channel
                """, logger: quietLogger).collect() {
                let (channel, count) = try row.decode((String, Int).self)
                waiting[channel] = count
            }
            return waiting
        }
    }

    // MARK: Rows

    static let deliveryColumns = """
        id, incident, update_event, channel, idempotency_key, content, status, attempts, next_attempt_at,
        lease_owner, lease_until, last_problem, finished_at
        """

    static func delivery(_ row: PostgresRow) throws -> Delivery {
        let cells = row.makeRandomAccess()
        let id = try cells[0].decode(Int64.self)
        guard let status = DeliveryStatus(rawValue: try cells[6].decode(String.self)) else {
            throw StoreError.damaged("outbox row \(id) has an unknown status")
        }
        let content: StatusUpdateContent
        do {
            content = try StatusUpdateContent(storedText: try cells[5].decode(String.self))
        } catch {
            throw StoreError.damaged("outbox row \(id) has unreadable content")
        }
        return Delivery(
            id: id, incident: try cells[1].decode(String.self), update: try cells[2].decode(Int64.self),
            channel: try cells[3].decode(String.self), idempotencyKey: try cells[4].decode(String.self), content: content,
            status: status, attempts: try cells[7].decode(Int.self), nextAttemptAt: date(try cells[8].decode(Int64.self)),
            lastProblem: try cells[11].decode(String?.self), finishedAt: try cells[12].decode(Int64?.self).map(Self.date))
    }

}

/// Outbox times are whole milliseconds, rounded to the nearest as the SQLite store's outbox rounds them.
func ms(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
