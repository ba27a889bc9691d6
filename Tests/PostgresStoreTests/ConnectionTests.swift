import Foundation
import IncidentCore
import PostgresNIO
@testable import PostgresStore
import Testing

@Suite("Reaching the team store", .enabled(if: TestServer.shouldRun))
struct ConnectionTests {
    /// .ci/postgres-cluster.sh makes this one role, alone, give a password.
    static let passwordRole = "warroom_password_test"

    @Test func aWrongPasswordIsUnusableInOneLineWithoutThePassword() async throws {
        try await TestServer.initialized()
        let raw = try await RawSession.open()
        try await raw.run(PostgresQuery(unsafeSQL: """
            DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '\(Self.passwordRole)') THEN
                    CREATE ROLE \(Self.passwordRole) LOGIN;
                END IF;
            END $$
            """))
        try await raw.run(PostgresQuery(unsafeSQL: "ALTER ROLE \(Self.passwordRole) PASSWORD 'the-right-one'"))
        await raw.close()

        let wrong = "wrong-\(UUID().uuidString)"
        let location = try PostgresLocation(url: try TestServer.url(user: Self.passwordRole, password: wrong))
        let error = await storeError { _ = try await PostgresStore.open(location, listen: false) }
        #expect(error == .unusable("\(location.redacted): password authentication failed for user \"\(Self.passwordRole)\""),
                "\(String(describing: error)) — the server must ask \(Self.passwordRole) for a password (.ci/postgres-cluster.sh)")
        #expect(error.map { !"\($0)".contains(wrong) && !"\($0)".contains("\n") } == true)

        let none = try PostgresLocation(url: try TestServer.url(user: Self.passwordRole), environment: ["HOME": "/nonexistent"])
        let missing = await storeError { _ = try await PostgresStore.open(none, listen: false) }
        #expect(missing.map { "\($0)".contains("asks for a password") } == true, "\(String(describing: missing))")

        let right = try await RawSession.open(try TestServer.url(user: Self.passwordRole, password: "the-right-one"))
        #expect(try await right.value("SELECT current_user", as: String.self) == Self.passwordRole)
        await right.close()
    }

    @Test func aMissingDatabaseIsUnusable() async throws {
        let location = try PostgresLocation(url: try TestServer.url(database: "warroom_no_such_database"))
        let error = await storeError { _ = try await PostgresStore.open(location, listen: false) }
        #expect(error == .unusable("\(location.redacted): database \"warroom_no_such_database\" does not exist"))
    }

    @Test func aClosedPortIsUnreachable() async throws {
        let location = try PostgresLocation(url: "postgres://u:pw-\(UUID().uuidString)@127.0.0.1:\(try closedPort())/db?sslmode=disable")
        let error = await storeError { _ = try await PostgresStore.open(location, listen: false) }
        #expect(error == .unreachable("\(location.redacted): cannot connect (connection refused)"))
    }

    @Test func anUnknownHostIsUnusable() async throws {
        let location = try PostgresLocation(url: "postgres://u@no-such-host.invalid/db?sslmode=disable")
        let error = await storeError { _ = try await PostgresStore.open(location, listen: false) }
        #expect(error == .unusable("postgres://u@no-such-host.invalid/db?sslmode=disable: unknown host no-such-host.invalid"))
    }

    /// The test server accepts TLS with a certificate for 127.0.0.1 from its own CA (.ci/postgres-cluster.sh).
    @Test(.enabled(if: TestServer.tlsDirectory != nil || TestServer.inCI))
    func sslModesAreHonoured() async throws {
        let tls = try #require(TestServer.tlsDirectory, "WARROOM_TEST_POSTGRES_TLS is not set: .ci/postgres-cluster.sh sets it")
        let ca = "\(tls)/ca.crt", other = "\(tls)/other-ca.crt"
        func usesTLS(_ parameters: String...) async throws -> Bool {
            let session = try await RawSession.open(try TestServer.url(adding: parameters))
            let tls = try await session.value("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", as: Bool.self)
            await session.close()
            return tls
        }
        #expect(try await usesTLS("sslmode=disable") == false)
        #expect(try await usesTLS("sslmode=prefer"))
        #expect(try await usesTLS("sslmode=require"))
        #expect(try await usesTLS("sslmode=require", "sslrootcert=\(ca)"))
        #expect(try await usesTLS("sslmode=verify-ca", "sslrootcert=\(ca)"))
        #expect(try await usesTLS("sslmode=verify-full", "sslrootcert=\(ca)"))
        // A CA that did not sign the server's certificate: refused, whichever mode verifies.
        for mode in ["require", "verify-ca", "verify-full"] {
            let location = try PostgresLocation(url: try TestServer.url(adding: ["sslmode=\(mode)", "sslrootcert=\(other)"]))
            let error = await storeError { _ = try await PostgresStore.open(location, listen: false) }
            #expect(error.map { "\($0)".hasPrefix("\(location.redacted): TLS failed") } == true, "\(String(describing: error))")
        }
    }

    /// In a database of its own: the schema version is the whole server's business, other tests run beside.
    @Test func aSchemaTooNewOrMissingIsRefused() async throws {
        let database = "warroom_t_\(UUID().uuidString.prefix(8).lowercased())"
        let raw = try await RawSession.open()
        try await raw.run(PostgresQuery(unsafeSQL: "CREATE DATABASE \(database)"))
        let location = try PostgresLocation(url: try TestServer.url(database: database))

        let missing = await storeError { _ = try await PostgresStore.open(location, listen: false) }
        #expect(missing == .unusable("the team store at \(location.redacted) has schema version 0 (needs \(Schema.version)): "
                                     + "run `warroom store init` with a role that may create tables"))
        let created = try await PostgresStore.initialize(location)
        #expect(created == (0, Schema.version))
        let again = try await PostgresStore.initialize(location)
        #expect(again == (Schema.version, Schema.version))
        let store = try await PostgresStore.open(location, listen: false)
        await store.close()

        let inside = try await RawSession.open(try TestServer.url(database: database))
        try await inside.run("UPDATE warroom_schema SET version = 99")
        await inside.close()
        let tooNew = StoreError.unusable("the team store's schema is version 99, newer than this warroom (\(Schema.version)): upgrade warroom")
        #expect(await storeError { _ = try await PostgresStore.open(location, listen: false) } == tooNew)
        #expect(await storeError { _ = try await PostgresStore.initialize(location) } == tooNew)

        try await raw.run(PostgresQuery(unsafeSQL: "DROP DATABASE \(database) WITH (FORCE)"))
        await raw.close()
    }

    /// A store made by the first schema gains the lock function from `warroom store init`, and is usable after it.
    @Test func aVersion1StoreMigrates() async throws {
        let database = "warroom_t_\(UUID().uuidString.prefix(8).lowercased())"
        let raw = try await RawSession.open()
        try await raw.run(PostgresQuery(unsafeSQL: "CREATE DATABASE \(database)"))
        let inside = try await RawSession.open(try TestServer.url(database: database))
        for statement in Schema.migrations[0] { try await inside.run(PostgresQuery(unsafeSQL: statement)) }
        try await inside.run("UPDATE warroom_schema SET version = 1")
        await inside.close()

        let location = try PostgresLocation(url: try TestServer.url(database: database))
        #expect(try await PostgresStore.initialize(location) == (1, Schema.version))
        let store = try await PostgresStore.open(location, listen: false)
        _ = try await store.declare(declaration())
        #expect(try await store.append(to: "INC-1", note("after the migration")).count == 1)
        await store.close()
        try await raw.run(PostgresQuery(unsafeSQL: "DROP DATABASE \(database) WITH (FORCE)"))
        await raw.close()
    }

    /// The documented grants let a role use the store, and nothing more.
    @Test func aReadWriteRoleCanUseTheStoreButNotDelete() async throws {
        try await TestServer.initialized()
        let role = "warroom_rw_\(UUID().uuidString.prefix(8).lowercased())"
        let raw = try await RawSession.open()
        try await raw.run(PostgresQuery(unsafeSQL: "CREATE ROLE \(role) LOGIN"))
        for statement in PostgresStore.grantStatements(to: role) { try await raw.run(PostgresQuery(unsafeSQL: statement)) }

        let location = try PostgresLocation(url: try TestServer.url(user: role), workspace: TestServer.freshWorkspace())
        #expect(try await PostgresStore.initialize(location) == (Schema.version, Schema.version))
        let store = try await PostgresStore.open(location, listen: false)
        _ = try await store.declare(declaration())
        _ = try await store.append(to: "INC-1", note("as a read/write role"))
        let recorded = try await store.recordStatusUpdate(to: "INC-1", actor: "carol", now: base) { try plan($0, channels: ["ops"]) }
        let claimed = try await store.claimDue(now: base, owner: "w", leaseUntil: t(60), channels: ["ops"], busy: [],
                                               ownerIsGone: { _ in false })
        #expect(claimed.map(\.id) == recorded.deliveries.map(\.id))
        try await store.workerSeen(owner: "w", channels: ["ops"], at: base)
        #expect(try await store.allEvents().count == 4)

        let asRole = try await RawSession.open(try TestServer.url(user: role))
        await #expect(throws: (any Error).self) {
            try await asRole.run("DELETE FROM outbox WHERE workspace = \(store.workspace)")
        }
        await asRole.close()
        await store.close()
        try await raw.run(PostgresQuery(unsafeSQL: "DROP OWNED BY \(role)"))
        try await raw.run(PostgresQuery(unsafeSQL: "DROP ROLE \(role)"))
        await raw.close()
    }
}
