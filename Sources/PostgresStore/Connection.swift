import Foundation
import IncidentCore
import PostgresNIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The store's one work connection, lent to one caller at a time (a transaction must not interleave with another's
/// queries), opened on first use and opened again after it was lost: the server may restart under a console.
final class WorkConnection: Sendable {
    let endpoint: PostgresLocation.Endpoint
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let gate = SerialGate()
    /// Only read or replaced by the caller holding `gate`.
    private let current = Locked<PostgresConnection?>(nil)

    init(_ endpoint: PostgresLocation.Endpoint, applicationName: String, logger: Logger) throws {
        self.endpoint = endpoint
        self.configuration = try endpoint.configuration(applicationName: applicationName)
        self.logger = logger
    }

    /// Runs `body` on the connection, alone; opens it first when it is not open.
    func with<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        await gate.enter()
        do {
            let connection: PostgresConnection
            if let open = current.withLock({ $0 }), !open.isClosed {
                connection = open
            } else {
                current.withLock { $0 = nil }
                connection = try await Self.connect(configuration, endpoint, logger)
                current.withLock { $0 = connection }
            }
            do {
                let result = try await body(connection)
                await gate.leave()
                return result
            } catch {
                let classified = Failure.classify(error, endpoint)
                if case StoreError.unreachable = classified { await drop(connection) }
                throw classified
            }
        } catch {
            await gate.leave()
            throw error
        }
    }

    /// Runs `body` alone, with the connection if it is open and `nil` if not: for work not worth opening one.
    func ifOpen(_ body: (PostgresConnection?) -> Void) async {
        await gate.enter()
        body(current.withLock { $0 }.flatMap { $0.isClosed ? nil : $0 })
        await gate.leave()
    }

    /// Runs `body` in a transaction, committed before this returns; an error rolls it back and is rethrown.
    func transaction<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await transaction(body) { _, _ in }
    }

    /// Runs `body` in a transaction as `transaction(_:)` does, then `committed` with its result once the commit has
    /// succeeded, while the connection is still this caller's: what it queues there goes out right behind the COMMIT.
    func transaction<T>(_ body: (PostgresConnection) async throws -> T, committed: (T, PostgresConnection) -> Void)
        async throws -> T
    {
        try await with { connection in
            try await connection.query(Self.begin, logger: logger)
            let result: T
            do {
                result = try await body(connection)
            } catch {
                await rollBack(connection)
                throw error
            }
            try await connection.query("COMMIT", logger: logger)
            committed(result, connection)
            return result
        }
    }

    /// A read-decide-write transaction in two waits instead of one a statement: BEGIN goes out with `reads`, each
    /// sent without waiting for the answer to the one before (a connection runs its statements in order); then the
    /// writes `decide` makes of their answers, likewise, and the COMMIT once all have succeeded, sent from the event
    /// loop as the last answer arrives. Every wait is also a wait for a thread to resume on, and an append to a busy
    /// incident holds its lock through them. `reads` is called once the connection is this caller's; its statements
    /// must be harmless outside a transaction, since they run even when the BEGIN fails. `committed` as in
    /// `transaction(_:committed:)`.
    func transaction<T>(
        reading reads: () -> [PostgresQuery], _ decide: ([PostgresQueryResult]) throws -> Writes<T>,
        committed: (T, PostgresConnection) -> Void
    ) async throws -> T {
        try await with { connection in
            let result: T
            do {
                let read = Array(try await exchange([Self.begin] + reads(), connection).dropFirst())
                let writes = try decide(read)
                let sent = writes.statements.map { statement -> EventLoopFuture<PostgresQueryResult> in
                    connection.query(statement, logger: logger)
                }
                let written = try await EventLoopFuture.whenAllSucceed(sent, on: connection.eventLoop).flatMap { [logger] answers in
                    (connection.query("COMMIT", logger: logger) as EventLoopFuture<PostgresQueryResult>).map { _ in answers }
                }.get()
                result = try writes.result(written)
            } catch {
                // Also after a failed COMMIT, when there is nothing left to roll back: the server only warns.
                await rollBack(connection)
                throw error
            }
            committed(result, connection)
            return result
        }
    }

    /// A transaction's writes, and what its caller makes of their answers.
    struct Writes<T> {
        var statements: [PostgresQuery]
        var result: ([PostgresQueryResult]) throws -> T
    }

    /// Said outright, whatever the server's default: every statement must see what committed before it began, the
    /// fold after an incident's lock above all (PostgresStore.lock).
    private static let begin: PostgresQuery = "BEGIN ISOLATION LEVEL READ COMMITTED"

    /// Sends `statements` back to back and waits once, for all their answers; throws the first failure.
    private func exchange(_ statements: [PostgresQuery], _ connection: PostgresConnection) async throws -> [PostgresQueryResult] {
        let sent = statements.map { statement -> EventLoopFuture<PostgresQueryResult> in connection.query(statement, logger: logger) }
        return try await EventLoopFuture.whenAllComplete(sent, on: connection.eventLoop).get().map { try $0.get() }
    }

    private func rollBack(_ connection: PostgresConnection) async {
        do {
            try await connection.query("ROLLBACK", logger: logger)
        } catch {
            // A connection that cannot roll back is in no state to be lent again.
            await drop(connection)
        }
    }

    func close() async {
        await gate.enter()
        if let connection = current.withLock({ $0 }) { await drop(connection) }
        await gate.leave()
    }

    private func drop(_ connection: PostgresConnection) async {
        current.withLock { if $0 === connection { $0 = nil } }
        try? await connection.close()
    }

    /// Opens a connection, its failure worded as one line naming the redacted URL.
    static func connect(_ configuration: PostgresConnection.Configuration, _ endpoint: PostgresLocation.Endpoint,
                        _ logger: Logger) async throws -> PostgresConnection {
        do {
            return try await PostgresConnection.connect(
                configuration: configuration, id: connectionIDs.withLock { $0 += 1; return $0 }, logger: logger)
        } catch {
            throw Failure.classify(error, endpoint)
        }
    }

    private static let connectionIDs = Locked(0)
}

/// A FIFO lock for async callers. A continuation, not a thread, waits: nothing blocks an event loop.
actor SerialGate {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func enter() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func leave() {
        if waiting.isEmpty {
            busy = false
        } else {
            // Handed straight to the next caller, who finds `busy` still set for it.
            waiting.removeFirst().resume()
        }
    }
}

/// A value behind a lock. `Mutex` would do, but it needs macOS 15 and the package supports macOS 14.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// Words postgres-nio's and SwiftNIO's errors as the store's: `unreachable` when retrying later may work,
/// `unusable` when only a change of configuration will. Only the redacted URL is ever named.
enum Failure {
    static func classify(_ error: any Error, _ endpoint: PostgresLocation.Endpoint) -> any Error {
        let url = endpoint.redacted
        switch error {
        case is StoreError, is CancellationError:
            return error
        case let error as PSQLError:
            return classify(error, endpoint)
        case let error as PostgresDecodingError:
            return StoreError.damaged("\(url): column \(error.columnName) holds an unexpected \(error.postgresType)")
        case is ChannelError, is IOError:
            return StoreError.unreachable("\(url): the connection was lost")
        default:
            // The caller's own errors (a rule refusing an entry inside `decide`) pass through unchanged.
            return error
        }
    }

    private static func classify(_ error: PSQLError, _ endpoint: PostgresLocation.Endpoint) -> StoreError {
        let url = endpoint.redacted
        switch error.code {
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            let message = error.serverInfo?[.message] ?? "the server refused (SQLSTATE \(state))"
            switch state {
            // The server is shutting down, restarting, or full; or a connection exception.
            case "57P01", "57P02", "57P03", "53300":
                return .unreachable("\(url): \(message)")
            case _ where state.hasPrefix("08"):
                return .unreachable("\(url): \(message)")
            case "42501":
                return .unusable("\(url): \(message) (the role lacks one of the grants the team store needs)")
            case "42P01", "42883":
                return .unusable("\(url): \(message) (run `warroom store init`)")
            default:
                // Includes 28P01 and 28000 (authentication) and 3D000 (no such database).
                return .unusable("\(url): \(message)")
            }
        case .connectionError:
            return connectionProblem(error.underlying, endpoint)
        case .sslUnsupported:
            return .unusable("\(url): the server does not accept TLS (sslmode=\(endpoint.sslMode.rawValue))")
        case .failedToAddSSLHandler:
            return .unusable("\(url): cannot set up TLS: \(error.underlying.map { "\($0)" } ?? "unknown reason")")
        case .authMechanismRequiresPassword:
            return .unusable(
                "\(url): the server asks for a password for \(endpoint.user) and none was given (URL, PGPASSWORD or ~/.pgpass)")
        case .saslError:
            return .unusable("\(url): password authentication failed for user \(endpoint.user)")
        case .unsupportedAuthMechanism:
            return .unusable("\(url): the server asks for an authentication method warroom does not support")
        case .serverClosedConnection, .uncleanShutdown, .clientClosedConnection:
            return .unreachable("\(url): the connection was lost")
        default:
            return .unusable("\(url): unexpected reply from the server (\(error.code))")
        }
    }

    private static func connectionProblem(_ underlying: (any Error)?, _ endpoint: PostgresLocation.Endpoint) -> StoreError {
        let url = endpoint.redacted
        switch underlying {
        case let error as NIOConnectionError where error.connectionErrors.isEmpty
            && (error.dnsAError != nil || error.dnsAAAAError != nil):
            return .unusable("\(url): unknown host \(endpoint.host)")
        case let error as NIOConnectionError:
            let reasons = Set(error.connectionErrors.map { reason($0.error) }).sorted()
            return .unreachable("\(url): cannot connect (\(reasons.joined(separator: "; ")))")
        case let error as ChannelError:
            if case .connectTimeout = error {
                return .unreachable("\(url): no answer within \(endpoint.connectTimeout.components.seconds) s")
            }
            return .unreachable("\(url): cannot connect (\(error))")
        case let error as NIOSSLError:
            return .unusable("\(url): TLS failed: \(error)")
        case let error as BoringSSLError:
            return .unusable("\(url): TLS failed: \(error)")
        case let error?:
            return .unreachable("\(url): cannot connect (\(reason(error)))")
        case nil:
            return .unreachable("\(url): cannot connect")
        }
    }

    private static func reason(_ error: any Error) -> String {
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)).lowercased() }
        if let error = error as? ChannelError, case .connectTimeout = error { return "timed out" }
        return "\(error)"
    }
}
