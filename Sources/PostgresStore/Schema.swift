import IncidentCore
import PostgresNIO

/// The team store's tables, created and migrated by `PostgresStore.initialize`, versioned in `warroom_schema`.
///
/// Every table is keyed by `workspace`, so one database holds several workspaces side by side. Events and
/// incidents are permanent (triggers refuse UPDATE, DELETE and TRUNCATE); outbox rows change but are never deleted.
enum Schema {
    /// The version this build creates and needs.
    static let version = migrations.count

    /// Migration `n` (1-based) takes the schema from version `n - 1` to `n`.
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE warroom_schema (version integer NOT NULL)
            """,
            "INSERT INTO warroom_schema (version) VALUES (0)",
            """
            CREATE FUNCTION warroom_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
            END
            $$
            """,
            // One sequence for every workspace: ids are unique in the database, increasing within a workspace.
            "CREATE SEQUENCE warroom_event_ids AS bigint",
            """
            CREATE TABLE events (
                workspace text NOT NULL,
                id bigint NOT NULL DEFAULT nextval('warroom_event_ids'),
                xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
                incident text NOT NULL,
                kind text NOT NULL,
                occurred_at bigint NOT NULL,
                recorded_at bigint NOT NULL,
                actor text NOT NULL,
                text text,
                value text,
                prior text,
                reason text,
                ref bigint,
                extra text,
                client_id text,
                PRIMARY KEY (workspace, id)
            )
            """,
            "ALTER SEQUENCE warroom_event_ids OWNED BY events.id",
            "CREATE UNIQUE INDEX events_by_client_id ON events (workspace, client_id) WHERE client_id IS NOT NULL",
            "CREATE INDEX events_by_incident ON events (workspace, incident, id)",
            // The followers' order: by transaction, then id (PostgresStore+Log.swift).
            "CREATE INDEX events_by_xid ON events (workspace, xid, id)",
            """
            CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events FOR EACH ROW
            EXECUTE FUNCTION warroom_refuse_change('the event log is append-only: events cannot be changed or deleted')
            """,
            """
            CREATE TRIGGER events_never_truncated BEFORE TRUNCATE ON events FOR EACH STATEMENT
            EXECUTE FUNCTION warroom_refuse_change('the event log is append-only: events cannot be deleted')
            """,
            """
            CREATE TABLE incidents (
                workspace text NOT NULL,
                id text NOT NULL,
                number bigint NOT NULL,
                is_drill boolean NOT NULL,
                declared_event bigint NOT NULL,
                PRIMARY KEY (workspace, id),
                UNIQUE (workspace, is_drill, number),
                UNIQUE (workspace, declared_event),
                FOREIGN KEY (workspace, declared_event) REFERENCES events (workspace, id)
            )
            """,
            """
            CREATE TRIGGER incidents_permanent BEFORE UPDATE OR DELETE ON incidents FOR EACH ROW
            EXECUTE FUNCTION warroom_refuse_change('incident ids are permanent: incidents cannot be changed or deleted')
            """,
            """
            CREATE TRIGGER incidents_never_truncated BEFORE TRUNCATE ON incidents FOR EACH STATEMENT
            EXECUTE FUNCTION warroom_refuse_change('incident ids are permanent: incidents cannot be deleted')
            """,
            // The last number given out, per workspace and kind; its row lock serialises concurrent declarations.
            """
            CREATE TABLE incident_numbers (
                workspace text NOT NULL,
                is_drill boolean NOT NULL,
                last bigint NOT NULL,
                PRIMARY KEY (workspace, is_drill)
            )
            """,
            """
            CREATE TABLE outbox (
                workspace text NOT NULL,
                id bigserial NOT NULL,
                incident text NOT NULL,
                update_event bigint NOT NULL,
                channel text NOT NULL,
                idempotency_key text NOT NULL UNIQUE,
                content text NOT NULL,
                status text NOT NULL CHECK (status IN ('pending', 'delivered', 'abandoned')),
                attempts integer NOT NULL DEFAULT 0,
                next_attempt_at bigint NOT NULL,
                lease_owner text,
                lease_until bigint,
                last_problem text,
                created_at bigint NOT NULL,
                finished_at bigint,
                PRIMARY KEY (workspace, id),
                UNIQUE (workspace, update_event, channel),
                FOREIGN KEY (workspace, incident) REFERENCES incidents (workspace, id),
                FOREIGN KEY (workspace, update_event) REFERENCES events (workspace, id)
            )
            """,
            "CREATE INDEX outbox_by_status ON outbox (workspace, status, channel, id)",
            "CREATE INDEX outbox_by_incident ON outbox (workspace, incident, id)",
            """
            CREATE TRIGGER outbox_keeps_every_delivery BEFORE DELETE ON outbox FOR EACH ROW
            EXECUTE FUNCTION warroom_refuse_change('the outbox keeps every delivery: rows cannot be deleted')
            """,
            """
            CREATE TRIGGER outbox_never_truncated BEFORE TRUNCATE ON outbox FOR EACH STATEMENT
            EXECUTE FUNCTION warroom_refuse_change('the outbox keeps every delivery: rows cannot be deleted')
            """,
            """
            CREATE TABLE outbox_workers (
                workspace text NOT NULL,
                owner text NOT NULL,
                channels text[] NOT NULL,
                seen_at bigint NOT NULL,
                PRIMARY KEY (workspace, owner)
            )
            """,
        ],
        [
            // An append's lock and its read of what others appended, in one round trip (PostgresStore.lockAndRead).
            // Volatile: in READ COMMITTED each statement of a volatile function takes a fresh snapshot, so the read,
            // begun once the lock is granted, sees every append committed before it. A single SELECT taking the lock
            // in a subexpression would not: its snapshot is older than the lock. The generic plan is the index scan
            // a custom plan would choose, without planning the read afresh on every append, which costs more than
            // running it: `after` is at the top of the index, which the planner probes for every custom plan.
            """
            CREATE FUNCTION warroom_lock_incident(p_workspace text, p_incident text, p_after bigint)
            RETURNS TABLE (id bigint, incident text, kind text, occurred_at bigint, recorded_at bigint, actor text,
                           text text, value text, prior text, reason text, ref bigint, extra text)
            LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_generic_plan AS $$
            BEGIN
                PERFORM pg_advisory_xact_lock(hashtextextended(p_workspace || '/' || p_incident, 0));
                RETURN QUERY
                    SELECT e.id, e.incident, e.kind, e.occurred_at, e.recorded_at, e.actor, e.text, e.value, e.prior,
                           e.reason, e.ref, e.extra
                    FROM events e
                    WHERE e.workspace = p_workspace AND e.incident = p_incident AND e.id > p_after
                    ORDER BY e.id;
            END
            $$
            """,
        ],
    ]

    /// The version in the database, 0 before `initialize`.
    static func installedVersion(_ connection: PostgresConnection, logger: Logger) async throws -> Int {
        let exists = try await connection.query("SELECT to_regclass('warroom_schema') IS NOT NULL", logger: logger)
            .collect().first?.decode(Bool.self) ?? false
        guard exists else { return 0 }
        return try await connection.query("SELECT COALESCE(MAX(version), 0) FROM warroom_schema", logger: logger)
            .collect().first?.decode(Int.self) ?? 0
    }

    /// The team store uses `xid8` and `pg_current_snapshot()`.
    static let minimumServerVersion = 130000

    static func checkServer(_ connection: PostgresConnection, _ endpoint: PostgresLocation.Endpoint, logger: Logger) async throws {
        let number = try await connection.query("SELECT current_setting('server_version_num')::int", logger: logger)
            .collect().first?.decode(Int.self) ?? 0
        guard number >= minimumServerVersion else {
            throw StoreError.unusable("\(endpoint.redacted): the team store needs PostgreSQL 13 or newer (this server is \(number))")
        }
    }
}

extension PostgresStore {
    /// Creates the team store's tables, or migrates them to this build's version, and returns the versions before
    /// and after. Needs a role that may create tables; two at once are serialised by an advisory lock.
    public static func initialize(_ location: PostgresLocation) async throws -> (from: Int, to: Int) {
        let work = try WorkConnection(location.server, applicationName: "warroom (init)", logger: quietLogger)
        do {
            let versions = try await migrate(work, location.server)
            await work.close()
            return versions
        } catch {
            await work.close()
            throw error
        }
    }

    private static func migrate(_ work: WorkConnection, _ endpoint: PostgresLocation.Endpoint) async throws -> (from: Int, to: Int) {
        try await work.transaction { connection in
            try await Schema.checkServer(connection, endpoint, logger: quietLogger)
            try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended('warroom schema', 0))", logger: quietLogger)
            let from = try await Schema.installedVersion(connection, logger: quietLogger)
            if from > Schema.version { throw tooNew(from) }
            for statement in Schema.migrations.dropFirst(from).joined() {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: quietLogger)
            }
            if from < Schema.version {
                try await connection.query("UPDATE warroom_schema SET version = \(Schema.version)", logger: quietLogger)
            }
            return (from, Schema.version)
        }
    }

    /// What a database owner runs so that `role` can use the team store without creating tables: read and write,
    /// no deleting, events and incidents only added to.
    public static func grantStatements(to role: String) -> [String] {
        let role = "\"" + role.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        return [
            "GRANT SELECT ON warroom_schema TO \(role)",
            "GRANT SELECT, INSERT ON events, incidents TO \(role)",
            "GRANT SELECT, INSERT, UPDATE ON incident_numbers, outbox, outbox_workers TO \(role)",
            "GRANT USAGE ON SEQUENCE warroom_event_ids, outbox_id_seq TO \(role)",
            "GRANT EXECUTE ON FUNCTION warroom_lock_incident(text, text, bigint) TO \(role)",
        ]
    }

    static func tooNew(_ version: Int) -> StoreError {
        .unusable("the team store's schema is version \(version), newer than this warroom (\(Schema.version)): upgrade warroom")
    }
}
