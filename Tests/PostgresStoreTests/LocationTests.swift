import Foundation
import IncidentCore
@testable import PostgresStore
import Testing

@Suite("Team store URLs")
struct LocationTests {
    let noEnvironment: [String: String] = ["HOME": "/nonexistent"]

    @Test func aFullURLIsTakenApart() throws {
        let location = try PostgresLocation(
            url: "postgres://maria:s3cret@db.example.com:6543/warroom?sslmode=verify-full&sslrootcert=/etc/ca.pem",
            workspace: "payments", environment: noEnvironment)
        let server = location.server
        #expect(server.user == "maria")
        #expect(server.password == "s3cret")
        #expect(server.host == "db.example.com")
        #expect(server.port == 6543)
        #expect(server.database == "warroom")
        #expect(server.sslMode == .verifyFull)
        #expect(server.rootCertificate == "/etc/ca.pem")
        #expect(location.workspace == "payments")
        #expect(location.redacted == "postgres://maria:***@db.example.com:6543/warroom?sslmode=verify-full&sslrootcert=/etc/ca.pem")
    }

    @Test func defaultsFollowLibpq() throws {
        let location = try PostgresLocation(url: "postgresql://db/warroom", environment: ["USER": "sam", "HOME": "/nonexistent"])
        #expect(location.server.user == "sam")
        #expect(location.server.port == 5432)
        #expect(location.server.sslMode == .prefer)
        #expect(location.server.password == nil)
        #expect(location.workspace == "default")
        #expect(location.redacted == "postgresql://db/warroom")
        // PGUSER before USER; the database defaults to the user's name.
        let named = try PostgresLocation(url: "postgres://db", environment: ["USER": "sam", "PGUSER": "ops", "HOME": "/nonexistent"])
        #expect(named.server.user == "ops")
        #expect(named.server.database == "ops")
    }

    @Test func everySSLModeIsKnown() async throws {
        for mode in ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] {
            let location = try PostgresLocation(url: "postgres://u@db/w?sslmode=\(mode)", environment: noEnvironment)
            #expect(location.server.sslMode.rawValue == mode)
            let tls = try location.server.configuration(applicationName: "t").tls
            #expect(tls.isAllowed == (mode != "disable"))
            #expect(tls.isEnforced == ["require", "verify-ca", "verify-full"].contains(mode))
        }
        let error = await storeError {
            _ = try PostgresLocation(url: "postgres://maria:s3cret@db/w?sslmode=verify", environment: noEnvironment)
        }
        #expect(error == .unusable(
            "postgres://maria:***@db/w?sslmode=verify: sslmode \"verify\" is not one of disable, allow, prefer, require, verify-ca, verify-full"))
    }

    @Test func anUnreadableRootCertificateIsRefusedByName() async throws {
        let location = try PostgresLocation(url: "postgres://maria:s3cret@db/w?sslmode=verify-ca&sslrootcert=/no/such/ca.pem",
                                            environment: noEnvironment)
        let error = await storeError { _ = try location.server.configuration(applicationName: "t") }
        #expect(error == .unusable("\(location.redacted): cannot read the sslrootcert file /no/such/ca.pem"))
    }

    @Test func thePasswordComesFromTheURLThenPGPASSWORDThenThePasswordFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pgpass-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("pgpass")
        try """
            # host:port:database:user:password
            other.example.com:*:*:maria:not-this-one
            db.example.com:5432:warroom:maria:from\\:file\\\\x
            *:*:*:*:fallback
            """.write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        let environment = ["PGPASSFILE": file.path, "HOME": "/nonexistent"]

        let fromFile = try PostgresLocation(url: "postgres://maria@db.example.com/warroom", environment: environment)
        #expect(fromFile.server.password == "from:file\\x")
        let wildcard = try PostgresLocation(url: "postgres://sam@elsewhere:7000/x", environment: environment)
        #expect(wildcard.server.password == "fallback")
        let fromEnvironment = try PostgresLocation(
            url: "postgres://maria@db.example.com/warroom", environment: environment.merging(["PGPASSWORD": "env"]) { $1 })
        #expect(fromEnvironment.server.password == "env")
        let fromURL = try PostgresLocation(
            url: "postgres://maria:url%40pw%3A@db.example.com/warroom", environment: environment.merging(["PGPASSWORD": "env"]) { $1 })
        #expect(fromURL.server.password == "url@pw:")
        #expect(fromURL.redacted == "postgres://maria:***@db.example.com/warroom")

        // Like libpq, a password file others may read is not used.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        let ignored = try PostgresLocation(url: "postgres://maria@db.example.com/warroom", environment: environment)
        #expect(ignored.server.password == nil)
        // ~/.pgpass when PGPASSFILE is not set.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        try FileManager.default.moveItem(at: file, to: directory.appendingPathComponent(".pgpass"))
        let home = try PostgresLocation(url: "postgres://maria@db.example.com/warroom", environment: ["HOME": directory.path])
        #expect(home.server.password == "from:file\\x")
    }

    @Test func thePasswordIsNeverShown() async throws {
        let secret = "hunter2-\(UUID().uuidString)"
        let location = try PostgresLocation(url: "postgres://maria:\(secret)@db/warroom?password=\(secret)",
                                            environment: noEnvironment)
        #expect(location.server.password == secret)
        #expect(location.redacted == "postgres://maria:***@db/warroom?password=***")
        var dumped = ""
        dump(location, to: &dumped)
        for text in [location.redacted, "\(location)", String(reflecting: location), dumped, "\(location.server)"] {
            #expect(!text.contains(secret), "\(text)")
        }
        for url in ["postgres://maria:\(secret)@db:notaport/w", "postgres://maria:\(secret)@db/w?nonsense=1",
                    "http://maria:\(secret)@db/w", "postgres://maria:\(secret)@[::1/w", "postgres://maria:\(secret)@db/w?x"] {
            let error = await storeError { _ = try PostgresLocation(url: url, environment: noEnvironment) }
            #expect(error != nil)
            #expect(error.map { !"\($0)".contains(secret) && !"\($0)".contains("\n") } == true, "\(String(describing: error))")
        }
    }

    @Test func anIPv6HostAndAPercentEncodedDatabase() throws {
        let location = try PostgresLocation(url: "postgres://u@[::1]:5433/war%20room", environment: noEnvironment)
        #expect(location.server.host == "::1")
        #expect(location.server.port == 5433)
        #expect(location.server.database == "war room")
    }

    @Test func workspaceNamesAreChecked() async throws {
        for good in ["default", "payments-eu", "A_1", String(repeating: "w", count: 63)] {
            #expect(try PostgresLocation(url: "postgres://u@db/w", workspace: good, environment: noEnvironment).workspace == good)
        }
        for bad in ["", "a b", "é", "a/b", String(repeating: "w", count: 64)] {
            let error = await storeError {
                _ = try PostgresLocation(url: "postgres://u@db/w", workspace: bad, environment: noEnvironment)
            }
            #expect(error == .unusable("postgres://u@db/w: the workspace name \"\(bad)\" must be 1 to 63 letters, digits, '-' or '_'"))
        }
    }

    @Test func incidentIDsGiveTheirNumbers() {
        #expect(PostgresStore.number(of: "INC-12", isDrill: false) == 12)
        #expect(PostgresStore.number(of: "DRILL-3", isDrill: true) == 3)
        #expect(PostgresStore.number(of: "DRILL-3", isDrill: false) == nil)
        #expect(PostgresStore.number(of: "INC-012", isDrill: false) == nil)
        #expect(PostgresStore.number(of: "INC-0", isDrill: false) == nil)
    }
}
