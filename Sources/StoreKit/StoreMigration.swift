import Foundation
import IncidentCore
import PostgresStore

/// Moves a workspace from its SQLite file into a team store.
public enum StoreMigration {
    /// Copies every event (ids, both times, order, corrections) and every outbox delivery of `source` into
    /// `target`, in one transaction. Events already there with the same id must be the same events; they are not
    /// copied twice.
    public static func copy(from source: StoreLocation, to target: StoreLocation) async throws -> (events: Int, deliveries: Int) {
        guard case .file = source.backend else { throw StoreError.unusable("only a workspace's SQLite store can be migrated") }
        guard case .team(let location) = target.backend else {
            throw StoreError.unusable("--to must name a team store (postgres://…)")
        }
        let from = try await source.open(create: false)
        let events = try await from.allEvents()
        let deliveries = try await from.deliveries(incident: nil, statuses: nil)
        await from.close()
        let into = try await PostgresStore.open(location, listen: false)
        do {
            let copied = try await into.importLog(events: events, deliveries: deliveries)
            await into.close()
            return copied
        } catch {
            await into.close()
            throw error
        }
    }
}

/// The statements a database owner runs so a role without DDL rights can use the team store.
public enum StoreGrantStatements {
    /// GRANTs for `role`: read and write the tables, use the sequences; never delete or change the log.
    public static func make(role: String) throws -> [String] {
        guard role.range(of: "^[A-Za-z_][A-Za-z0-9_$-]{0,62}$", options: .regularExpression) != nil else {
            throw StoreError.unusable("\(InertText.make(role)) is not a role name (letters, digits, _ and $)")
        }
        return PostgresStore.grantStatements(to: role)
    }
}
