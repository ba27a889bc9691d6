import Foundation

/// The throw-away PostgreSQL server the team-store tests use: `.ci/run` starts one and exports its URL.
public enum TeamStoreServer {
    /// `WARROOM_TEST_POSTGRES_URL`, when a server was started for the tests.
    public static var url: String? {
        guard let url = ProcessInfo.processInfo.environment["WARROOM_TEST_POSTGRES_URL"], !url.isEmpty else { return nil }
        return url
    }

    /// In CI the team-store tests must run: a missing server fails them instead of leaving them out.
    public static var isRequired: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Whether the team-store variants of the tests are run (and, in CI, whether they can fail for want of a server).
    public static var isTested: Bool { url != nil || isRequired }

    /// The URL, or the reason the tests cannot have one.
    public static func requireURL() throws -> String {
        guard let url else {
            throw TeamStoreServerMissing()
        }
        return url
    }

    /// A workspace name no other test uses, so tests on one database never see each other.
    public static func freshWorkspace(_ prefix: String = "t") -> String {
        prefix + "-" + UUID().uuidString.prefix(12).lowercased()
    }
}

/// No server was started for a run that needs one.
public struct TeamStoreServerMissing: Error, CustomStringConvertible {
    public var description: String {
        "no PostgreSQL server for the team-store tests: set WARROOM_TEST_POSTGRES_URL (.ci/run starts a throw-away cluster "
            + "and sets it)"
    }
}
