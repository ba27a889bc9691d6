import Foundation
import IncidentCore
import PostgresNIO

extension PostgresStore {
    /// Copies a SQLite workspace (its whole log, and its outbox) into this workspace in one transaction, keeping
    /// event ids, both times, order and corrections. An event whose id is already here must be identical, and is
    /// skipped, so running the import twice copies nothing twice; any difference refuses the whole import.
    /// Deliveries already here (by idempotency key) are skipped. Returns how many events and deliveries it copied.
    public func importLog(events: [Event], deliveries: [Delivery]) async throws -> (events: Int, deliveries: Int) {
        let events = events.sorted { $0.id < $1.id }
        let here = "\(location.redacted) (workspace \(workspace))"
        func refuse(_ problem: String) -> StoreError { .unusable("\(here): \(problem); nothing was imported") }
        for (earlier, later) in zip(events, events.dropFirst()) where earlier.id == later.id {
            throw refuse("event #\(later.id) appears twice in the import")
        }
        let incidents = Set(events.map(\.incident)).sorted()

        let copied = try await write { connection -> (events: Int, deliveries: Int) in
            // Every incident's lock first, in one order, as any append takes it.
            for incident in incidents { try await lock(incident, connection) }

            var existing: [EventID: Event] = [:]
            for try await row in try await connection.query("""
                SELECT \(unescaped: Self.eventColumns) FROM events
                WHERE workspace = \(workspace) AND id = ANY(\(events.map(\.id))::bigint[])
                """, logger: quietLogger) {
                let event = try Self.event(row)
                existing[event.id] = event
            }
            // A workspace holding events of which none are this log's is somebody else's war room: copying into it
            // would mix two logs. One that holds this log (an earlier run) and later entries is carried on.
            let foreign = try await connection.query("""
                SELECT COUNT(*) FROM events WHERE workspace = \(workspace) AND NOT (id = ANY(\(events.map(\.id))::bigint[]))
                """, logger: quietLogger).collect().first?.decode(Int64.self) ?? 0
            if foreign > 0, existing.isEmpty, !events.isEmpty {
                throw refuse("the workspace already holds \(foreign) event\(foreign == 1 ? "" : "s") of another log; "
                             + "copy into an empty workspace (--store-workspace NAME)")
            }
            var newest: [IncidentID: EventID] = [:]
            for row in try await connection.query("""
                SELECT incident, MAX(id) FROM events WHERE workspace = \(workspace) AND incident = ANY(\(incidents)::text[])
                GROUP BY incident
                """, logger: quietLogger).collect() {
                let (incident, id) = try row.decode((String, Int64).self)
                newest[incident] = id
            }

            var fresh: [Event] = []
            var declared: [(incident: IncidentID, number: Int64, isDrill: Bool, event: EventID)] = []
            for event in events.map(Self.whole) {
                if let stored = existing[event.id] {
                    guard stored == event else { throw refuse("event #\(event.id) differs from the team store's event #\(event.id)") }
                    continue
                }
                // An incident's ids follow its commit order: nothing may be slipped in before what is already here.
                if let last = newest[event.incident], event.id < last {
                    throw refuse("event #\(event.id) of \(event.incident) is older than the team store's event #\(last) of it")
                }
                if case .declared(let declaration) = event.payload {
                    guard let number = Self.number(of: event.incident, isDrill: declaration.isDrill) else {
                        let kind = declaration.isDrill ? "DRILL" : "INC"
                        throw refuse("event #\(event.id) declares \(event.incident), which is not an \(kind)-n id")
                    }
                    declared.append((event.incident, number, declaration.isDrill, event.id))
                } else if newest[event.incident] == nil && !declared.contains(where: { $0.incident == event.incident }) {
                    throw refuse("event #\(event.id) belongs to \(event.incident), whose declaration is not in the import")
                }
                fresh.append(event)
            }

            try await insertEvents(fresh, connection)
            for incident in declared {
                _ = try await connection.query("""
                    INSERT INTO incidents (workspace, id, number, is_drill, declared_event)
                    VALUES (\(workspace), \(incident.incident), \(incident.number), \(incident.isDrill), \(incident.event))
                    """, logger: quietLogger)
            }
            for isDrill in [false, true] {
                guard let highest = declared.filter({ $0.isDrill == isDrill }).map(\.number).max() else { continue }
                _ = try await connection.query("""
                    INSERT INTO incident_numbers (workspace, is_drill, last) VALUES (\(workspace), \(isDrill), \(highest))
                    ON CONFLICT (workspace, is_drill) DO UPDATE SET last = GREATEST(incident_numbers.last, excluded.last)
                    """, logger: quietLogger)
            }
            if let highest = fresh.last?.id {
                // Ids drawn from now on come after the imported ones.
                _ = try await connection.query(
                    "SELECT setval('warroom_event_ids', GREATEST((SELECT last_value FROM warroom_event_ids), \(highest)))",
                    logger: quietLogger)
            }

            var copiedDeliveries = 0
            for delivery in deliveries.sorted(by: { $0.id < $1.id }) {
                let inserted = try await connection.query("""
                    INSERT INTO outbox (workspace, incident, update_event, channel, idempotency_key, content, status, attempts,
                                        next_attempt_at, last_problem, created_at, finished_at)
                    VALUES (\(workspace), \(delivery.incident), \(delivery.update), \(delivery.channel), \(delivery.idempotencyKey),
                            \(try delivery.content.storedText()), \(delivery.status.rawValue), \(delivery.attempts),
                            \(ms(delivery.nextAttemptAt)), \(delivery.lastProblem), \(ms(delivery.content.sentAt)),
                            \(delivery.finishedAt.map(ms)))
                    ON CONFLICT (idempotency_key) DO NOTHING
                    RETURNING id
                    """, logger: quietLogger).collect()
                if !inserted.isEmpty {
                    copiedDeliveries += 1
                    continue
                }
                // A key is sent to the receiver with every attempt: one key, one delivery, in one workspace only.
                let owner = try await connection.query(
                    "SELECT workspace FROM outbox WHERE idempotency_key = \(delivery.idempotencyKey)", logger: quietLogger
                ).collect().first?.decode(String.self)
                guard owner == workspace else {
                    throw refuse("delivery \(delivery.idempotencyKey) already belongs to another workspace")
                }
            }
            return (fresh.count, copiedDeliveries)
        } wrote: { $0.events > 0 || $0.deliveries > 0 }
        return copied
    }

    /// Rows of 13 parameters, a few hundred to a statement, well under the protocol's 65,535 parameters.
    private func insertEvents(_ events: [Event], _ connection: PostgresConnection) async throws {
        for start in stride(from: 0, to: events.count, by: 1000) {
            var bindings = PostgresBindings(capacity: 13 * 1000)
            var rows: [String] = []
            for event in events[start..<min(start + 1000, events.count)] {
                let c = event.payload.columns
                let first = bindings.count + 1
                bindings.append(workspace)
                bindings.append(event.id)
                bindings.append(event.incident)
                bindings.append(c.kind)
                bindings.append(ms(event.occurredAt))
                bindings.append(ms(event.recordedAt))
                bindings.append(event.actor)
                bindings.append(c.text)
                bindings.append(c.value)
                bindings.append(c.prior)
                bindings.append(c.reason)
                bindings.append(c.ref)
                bindings.append(c.extra)
                rows.append("(" + (first..<bindings.count + 1).map { "$\($0)" }.joined(separator: ", ") + ")")
            }
            // Only placeholders are spliced into the statement; every value travels as a parameter.
            _ = try await connection.query(PostgresQuery(unsafeSQL: """
                INSERT INTO events (workspace, id, incident, kind, occurred_at, recorded_at, actor, text, value, prior, reason,
                                    ref, extra)
                VALUES \(rows.joined(separator: ", "))
                """, binds: bindings), logger: quietLogger)
        }
    }

    /// `INC-12` is number 12 of the incidents, `DRILL-3` number 3 of the drills.
    static func number(of incident: IncidentID, isDrill: Bool) -> Int64? {
        let prefix = isDrill ? "DRILL-" : "INC-"
        guard incident.hasPrefix(prefix), let number = Int64(incident.dropFirst(prefix.count)), number > 0,
              "\(prefix)\(number)" == incident
        else { return nil }
        return number
    }

    /// A stored event's times are whole milliseconds already: rounded to the nearest, they stay what they were.
    private static func whole(_ event: Event) -> Event {
        var event = event
        event.occurredAt = date(ms(event.occurredAt))
        event.recordedAt = date(ms(event.recordedAt))
        return event
    }
}
