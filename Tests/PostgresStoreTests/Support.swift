import Foundation
import IncidentCore
import PostgresNIO
@testable import PostgresStore
import Testing
import WarroomTestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The PostgreSQL server the tests use (WarroomTestSupport's `TeamStoreServer`: .ci/postgres-cluster.sh starts one).
enum TestServer {
    static let inCI = TeamStoreServer.isRequired
    /// Outside CI, tests that need a server are disabled when there is none; in CI they run, and fail.
    static let shouldRun = TeamStoreServer.isTested
    /// Where the test server's CA certificates are (`ca.crt` signed its certificate, `other-ca.crt` did not).
    static let tlsDirectory = ProcessInfo.processInfo.environment["WARROOM_TEST_POSTGRES_TLS"].flatMap { $0.isEmpty ? nil : $0 }

    /// Throws, failing the test, when there is none: in CI it must be there (.ci/run starts one).
    static func baseURL() throws -> String { try TeamStoreServer.requireURL() }

    /// The server's URL with another database, user or password, and extra parameters.
    static func url(database: String? = nil, user: String? = nil, password: String? = nil, adding parameters: [String] = [])
        throws -> String
    {
        let parts = try URLParts(try baseURL())
        let userInfo = (user ?? parts.user).map { user in
            user + (password.map { ":" + $0.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! } ?? "") + "@"
        } ?? ""
        let host = parts.host.contains(":") ? "[\(parts.host)]" : parts.host
        let query = parts.query.map { "\($0.0)=\($0.1)" } + parameters
        return "postgres://\(userInfo)\(host)\(parts.port.map { ":" + $0 } ?? "")/\(database ?? parts.database ?? "")"
            + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
    }

    static func freshWorkspace() -> String { TeamStoreServer.freshWorkspace() }

    static func location(workspace: String = freshWorkspace(), listenURL: String? = nil) throws -> PostgresLocation {
        try PostgresLocation(url: try baseURL(), listenURL: listenURL, workspace: workspace)
    }

    /// Creates the schema once for the whole run.
    static func initialized() async throws {
        try await initialization.value
    }

    private static let initialization = Task {
        _ = try await PostgresStore.initialize(try PostgresLocation(url: try baseURL()))
    }

    /// A store on a fresh workspace (or `location`'s), the schema created.
    static func open(_ location: PostgresLocation? = nil, listen: Bool = false,
                     clock: @escaping @Sendable () -> Date = { Date() }) async throws -> PostgresStore {
        try await initialized()
        return try await PostgresStore.open(try location ?? self.location(), listen: listen, clock: clock)
    }
}

/// A connection of the test's own, outside any store: to hold a transaction open, or look behind the store's back.
final class RawSession: Sendable {
    let connection: PostgresConnection

    private init(_ connection: PostgresConnection) { self.connection = connection }

    static func open(_ url: String? = nil) async throws -> RawSession {
        let endpoint = try PostgresLocation(url: try url ?? TestServer.baseURL()).server
        return RawSession(try await WorkConnection.connect(
            try endpoint.configuration(applicationName: "warroom tests"), endpoint, quietLogger))
    }

    @discardableResult
    func run(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await connection.query(query, logger: quietLogger).collect()
    }

    func value<T: PostgresDecodable>(_ query: PostgresQuery, as type: T.Type = T.self) async throws -> T {
        let rows = try await run(query)
        return try rows[0].decode(T.self)
    }

    func close() async { try? await connection.close() }
}

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let current: Locked<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_700_000_000)) { current = Locked(start) }

    func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }

    var function: @Sendable () -> Date { { [current] in current.withLock { $0 } } }
}

let base = Date(timeIntervalSince1970: 1_700_000_000.123)

/// `seconds` after `base`, as a whole number of milliseconds reads back from the store.
func t(_ seconds: Int) -> Date {
    Date(timeIntervalSince1970: Double(1_700_000_000_123 + Int64(seconds) * 1000) / 1000)
}

func draft(_ payload: EventPayload, at date: Date = base, by actor: String = "alice") -> EventDraft {
    EventDraft(occurredAt: date, recordedAt: date, actor: actor, payload: payload)
}

func declaration(_ title: String = "checkout down", _ severity: Severity = .l2, drill: Bool = false) -> EventDraft {
    draft(.declared(Declaration(title: title, severity: severity, impact: "EU users", isDrill: drill)))
}

/// A decide function running the core rules, as the CLI and the console do.
func note(_ text: String, at date: Date = base, by actor: String = "alice") -> (IncidentState) throws -> [EventDraft] {
    { state in [draft(try state.decide(.note(text), at: date, now: date), at: date, by: actor)] }
}

/// Follows the workspace from `cursor` until `done` holds for everything read so far, or `timeout` passes.
func follow(_ store: PostgresStore, from cursor: LogCursor = .start, timeout: Duration = .seconds(30),
            until done: ([Event]) -> Bool) async throws -> (events: [Event], cursor: LogCursor) {
    var events: [Event] = []
    var cursor = cursor
    let deadline = ContinuousClock.now + timeout
    while !done(events) && ContinuousClock.now < deadline {
        let page = try await store.events(after: cursor, limit: 250)
        events += page.events
        cursor = page.cursor
        if !page.hasMore { try await Task.sleep(for: .milliseconds(20)) }
    }
    return (events, cursor)
}

/// The error `body` throws, as a StoreError.
func storeError(_ body: () async throws -> Void) async -> StoreError? {
    do {
        try await body()
        return nil
    } catch let error as StoreError {
        return error
    } catch {
        Issue.record("expected a StoreError, got \(error)")
        return nil
    }
}

/// A free TCP port on the loopback interface, with nothing listening on it.
func closedPort() throws -> Int {
    #if canImport(Glibc)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw POSIXError(.EADDRNOTAVAIL) }
    return Int(UInt16(bigEndian: address.sin_port))
}
