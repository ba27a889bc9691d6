import Foundation
import IncidentCore
import IncidentStore
import PostgresStore

/// Which store a command works on: the workspace's SQLite file, or a workspace of a PostgreSQL team store.
/// Commands and the console open it here and see only `WarroomStore`; no other module names a backend.
public struct StoreLocation: Sendable {
    /// The two kinds of store.
    public enum Backend: Sendable {
        case file(workspace: URL)
        case team(PostgresLocation)
    }

    public let backend: Backend
    /// How long a writer to the SQLite file waits for another process holding it (`store.lock_timeout`).
    public var lockTimeout: Duration

    public init(backend: Backend, lockTimeout: Duration = .seconds(30)) {
        self.backend = backend
        self.lockTimeout = lockTimeout
    }

    /// Resolves the store: `url` (from `--store`), else `$WARROOM_STORE`, else `store.url` of warroom.yaml; none of
    /// them: the SQLite file in `directory/.warroom/`. The team store's workspace comes from `workspace`
    /// (`--store-workspace`), `$WARROOM_STORE_WORKSPACE`, `store.workspace`, else `default`.
    public static func resolve(
        url: String?, workspace: String?, configuredURL: String?, configuredWorkspace: String?, listenURL: String?,
        directory: URL, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> StoreLocation {
        func given(_ value: String?) -> String? {
            guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return value
        }
        guard let chosen = given(url) ?? given(environment["WARROOM_STORE"]) ?? given(configuredURL) else {
            return StoreLocation(backend: .file(workspace: directory))
        }
        let name = given(workspace) ?? given(environment["WARROOM_STORE_WORKSPACE"]) ?? given(configuredWorkspace) ?? "default"
        let location = try PostgresLocation(
            url: chosen, listenURL: given(environment["WARROOM_STORE_LISTEN_URL"]) ?? given(listenURL), workspace: name,
            environment: environment)
        return StoreLocation(backend: .team(location))
    }

    /// Whether this is a team store, which a spool stands in for while it is out of reach.
    public var isTeamStore: Bool {
        if case .team = backend { return true }
        return false
    }

    /// The store named so that a person can tell which it is, never with a password.
    public var displayName: String {
        switch backend {
        case .file(let workspace): SQLiteEventStore.databaseURL(workspace: workspace).path
        case .team(let location): "\(location.redacted) (workspace \(location.workspace))"
        }
    }

    /// Names the store (server, database and workspace, without a password) in the offline spool.
    public var identity: String {
        switch backend {
        case .file(let workspace): "file:" + workspace.path
        case .team(let location): location.redacted + "#" + location.workspace
        }
    }

    /// Opens the store. `create: false` refuses a workspace folder without a store (a typo in --workspace) instead
    /// of making an empty one; `listen` gives a console its second connection, for pushed changes.
    /// `onLockWait` hears, once, that a write has waited two seconds for another process holding the SQLite file.
    public func open(create: Bool, listen: Bool = false, onLockWait: (@Sendable () -> Void)? = nil) async throws
        -> any WarroomStore
    {
        switch backend {
        case .file(let workspace):
            if !create {
                let file = SQLiteEventStore.databaseURL(workspace: workspace).path
                guard FileManager.default.fileExists(atPath: file) else {
                    throw StoreError.unusable(
                        "no Warroom store in \(workspace.path) (declare an incident with `warroom declare`, or pass --workspace)")
                }
            }
            return try SQLiteEventStore.open(workspace: workspace, lockTimeout: lockTimeout, onLockWait: onLockWait)
        case .team(let location):
            return try await PostgresStore.open(location, listen: listen)
        }
    }

    /// Creates or migrates the store's schema (a team store needs a role that may create tables); returns what was done.
    public func initialize() async throws -> String {
        switch backend {
        case .file(let workspace):
            _ = try SQLiteEventStore.open(workspace: workspace)
            return "the SQLite store in \(workspace.path) is ready"
        case .team(let location):
            let (from, to) = try await PostgresStore.initialize(location)
            return from == to
                ? "the team store at \(location.redacted) is at schema version \(to); nothing to do"
                : "the team store at \(location.redacted) went from schema version \(from) to \(to)"
        }
    }
}
