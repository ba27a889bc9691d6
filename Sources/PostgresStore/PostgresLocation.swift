import Foundation
import IncidentCore
import PostgresNIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a team store lives: the server (a libpq-style URL), an optional second server for LISTEN, and the workspace.
public struct PostgresLocation: Sendable, Equatable {
    /// The server that every query goes to.
    public var server: Endpoint
    /// Where the console's LISTEN connection goes, when it must bypass a transaction-mode pooler in front of `server`.
    public var listener: Endpoint?
    /// The workspace inside the database: several live side by side, none seeing another's incidents or outbox.
    public var workspace: String

    /// The server's URL with its password as `***`: the only form that ever reaches an error or a description.
    public var redacted: String { server.redacted }

    /// Parses `url` (`postgres://user:pass@host:5432/dbname?sslmode=require`), and `listenURL` when given, taking a
    /// password missing from a URL from `PGPASSWORD`, else the password file (`PGPASSFILE`, else `~/.pgpass`), and a
    /// missing user from `PGUSER`, else `USER`.
    public init(url: String, listenURL: String? = nil, workspace: String = "default",
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        server = try Endpoint(url: url, environment: environment)
        listener = try listenURL.map { try Endpoint(url: $0, environment: environment) }
        guard Self.isValidWorkspace(workspace) else {
            throw StoreError.unusable(
                "\(server.redacted): the workspace name \"\(workspace)\" must be 1 to 63 letters, digits, '-' or '_'")
        }
        self.workspace = workspace
    }

    static func isValidWorkspace(_ name: String) -> Bool {
        (1...63).contains(name.count)
            && name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") }
    }

    /// How to use TLS, with libpq's names and meanings.
    public enum SSLMode: String, Sendable, Equatable, CaseIterable {
        case disable
        /// Taken as `prefer`: libpq's `allow` tries plain text first, which postgres-nio cannot.
        case allow
        /// TLS when the server offers it, unverified (libpq's default).
        case prefer
        /// TLS always, the certificate unverified (verified against `sslrootcert` when one is named, as libpq does).
        case require
        /// TLS with the certificate chain verified, not the host name.
        case verifyCA = "verify-ca"
        /// TLS with the chain and the host name verified.
        case verifyFull = "verify-full"
    }

    /// One server to connect to.
    public struct Endpoint: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var user: String
        public var database: String
        public var sslMode: SSLMode
        /// The CA certificates (`sslrootcert`), PEM; `nil` trusts the system's roots.
        public var rootCertificate: String?
        /// `application_name`, as `pg_stat_activity` shows it.
        public var applicationName: String?
        /// How long a connection attempt may take (`connect_timeout`).
        public var connectTimeout: Duration
        /// The URL with the password as `***`.
        public var redacted: String
        var password: String?

        init(url: String, environment: [String: String]) throws {
            let parts = try URLParts(url)
            redacted = parts.redacted
            func refuse(_ problem: String) -> StoreError { .unusable("\(parts.redacted): \(problem)") }

            host = parts.host.isEmpty ? "localhost" : parts.host
            if let portText = parts.port, !portText.isEmpty {
                guard let port = Int(portText), (1...65535).contains(port) else {
                    throw refuse("the port \"\(portText)\" is not a number from 1 to 65535")
                }
                self.port = port
            } else {
                port = 5432
            }
            guard let user = parts.user ?? environment["PGUSER"] ?? environment["USER"], !user.isEmpty else {
                throw refuse("no user: name one in the URL (postgres://user@host/db) or in PGUSER")
            }
            self.user = user
            database = parts.database.flatMap { $0.isEmpty ? nil : $0 } ?? user

            var sslMode = SSLMode.prefer
            var connectTimeout = Duration.seconds(3)
            var password = parts.password
            for (name, value) in parts.query {
                switch name {
                case "sslmode":
                    guard let mode = SSLMode(rawValue: value) else {
                        throw refuse("sslmode \"\(value)\" is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    sslMode = mode
                case "sslrootcert":
                    rootCertificate = value
                case "application_name":
                    applicationName = value
                case "connect_timeout":
                    guard let seconds = Int(value), seconds > 0 else {
                        throw refuse("connect_timeout \"\(value)\" is not a number of seconds")
                    }
                    connectTimeout = .seconds(seconds)
                case "password":
                    password = value
                default:
                    throw refuse("unknown URL parameter \"\(name)\" (known: sslmode, sslrootcert, application_name, connect_timeout)")
                }
            }
            self.sslMode = sslMode
            self.connectTimeout = connectTimeout
            self.password = password
                ?? environment["PGPASSWORD"]
                ?? PasswordFile.lookup(environment: environment, host: host, port: port, database: database, user: user)
        }

        /// postgres-nio's settings for this endpoint; building the TLS context reads `sslrootcert`.
        func configuration(applicationName fallback: String) throws -> PostgresConnection.Configuration {
            var configuration = PostgresConnection.Configuration(
                host: host, port: port, username: user, password: password, database: database, tls: try tls())
            configuration.options.connectTimeout = .seconds(connectTimeout.components.seconds)
            configuration.options.additionalStartupParameters = [("application_name", applicationName ?? fallback)]
            return configuration
        }

        private func tls() throws -> PostgresConnection.Configuration.TLS {
            var tls = TLSConfiguration.makeClientConfiguration()
            switch sslMode {
            case .disable: return .disable
            case .allow, .prefer: tls.certificateVerification = .none
            // libpq verifies the chain under `require` when a root certificate is named: whoever names one wants it used.
            case .require: tls.certificateVerification = rootCertificate == nil ? .none : .noHostnameVerification
            case .verifyCA: tls.certificateVerification = .noHostnameVerification
            case .verifyFull: tls.certificateVerification = .fullVerification
            }
            if let rootCertificate {
                guard FileManager.default.isReadableFile(atPath: rootCertificate) else {
                    throw StoreError.unusable("\(redacted): cannot read the sslrootcert file \(rootCertificate)")
                }
                tls.trustRoots = .file(rootCertificate)
            }
            let context: NIOSSLContext
            do {
                context = try NIOSSLContext(configuration: tls)
            } catch {
                throw StoreError.unusable("\(redacted): cannot set up TLS (sslrootcert \(rootCertificate ?? "none")): \(error)")
            }
            return sslMode == .allow || sslMode == .prefer ? .prefer(context) : .require(context)
        }
    }
}

/// A libpq connection URI taken apart, each piece percent-decoded.
struct URLParts {
    var user: String?
    var password: String?
    var host: String
    var port: String?
    var database: String?
    var query: [(String, String)]
    var redacted: String

    init(_ url: String) throws {
        let rough = Self.roughlyRedacted(url)
        func refuse(_ problem: String) -> StoreError { .unusable("\(rough): \(problem)") }
        guard let schemeEnd = url.range(of: "://") else { throw refuse("not a postgres:// URL") }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw refuse("the scheme must be postgres:// or postgresql://, not \(scheme)://")
        }
        var rest = Substring(url[schemeEnd.upperBound...])
        var queryText: Substring?
        if let mark = rest.firstIndex(of: "?") {
            queryText = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path: Substring?
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        // The host part has no '@' of its own; a password may (percent-encoded or not), so split at the last one.
        var hostPort = rest
        var userInfo: Substring?
        if let at = rest.lastIndex(of: "@") {
            userInfo = rest[..<at]
            hostPort = rest[rest.index(after: at)...]
        }
        var redactedUserInfo = ""
        if let userInfo {
            if let colon = userInfo.firstIndex(of: ":") {
                user = try Self.decode(userInfo[..<colon], what: "user", refuse)
                password = try Self.decode(userInfo[userInfo.index(after: colon)...], what: "password", refuse)
                redactedUserInfo = String(userInfo[..<colon]) + ":***@"
            } else {
                user = try Self.decode(userInfo, what: "user", refuse)
                redactedUserInfo = String(userInfo) + "@"
            }
            if user?.isEmpty == true { user = nil }
        }
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw refuse("an IPv6 host must end with ']'") }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            if after.hasPrefix(":") {
                port = String(after.dropFirst())
            } else if !after.isEmpty {
                throw refuse("unexpected \"\(after)\" after the IPv6 host")
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = try Self.decode(hostPort[..<colon], what: "host", refuse)
            port = String(hostPort[hostPort.index(after: colon)...])
        } else {
            host = try Self.decode(hostPort, what: "host", refuse)
        }
        if host.contains(",") { throw refuse("several hosts are not supported: name one") }
        database = try path.map { try Self.decode($0, what: "database name", refuse) }

        query = []
        var redactedQuery: [String] = []
        for pair in (queryText ?? "").split(separator: "&") {
            guard let equals = pair.firstIndex(of: "=") else { throw refuse("the URL parameter \"\(pair)\" has no value") }
            let name = try Self.decode(pair[..<equals], what: "parameter name", refuse)
            let value = try Self.decode(pair[pair.index(after: equals)...], what: "parameter \(name)", refuse)
            query.append((name, value))
            redactedQuery.append(name == "password" ? "password=***" : String(pair))
        }
        redacted = "\(scheme)://\(redactedUserInfo)\(hostPort)" + (path.map { "/\($0)" } ?? "")
            + (redactedQuery.isEmpty ? "" : "?" + redactedQuery.joined(separator: "&"))
    }

    private static func decode(_ text: Substring, what: String, _ refuse: (String) -> StoreError) throws -> String {
        guard let decoded = String(text).removingPercentEncoding else { throw refuse("the \(what) has a malformed %-escape") }
        return decoded
    }

    /// A URL too malformed to take apart, with anything that could be a password hidden, for the error about it.
    static func roughlyRedacted(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return "the store URL" }
        let afterScheme = url[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? afterScheme.endIndex
        let authority = afterScheme[..<authorityEnd]
        var result = String(url[..<schemeEnd.upperBound])
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            result += (userInfo.firstIndex(of: ":").map { String(userInfo[..<$0]) + ":***" } ?? String(userInfo))
            result += String(authority[at...])
        } else {
            result += authority
        }
        // A password given as a parameter is dropped with every other parameter: this URL is being refused anyway.
        let tail = afterScheme[authorityEnd...]
        return result + (tail.firstIndex(of: "?").map { String(tail[..<$0]) } ?? String(tail))
    }
}

/// libpq's password file: `host:port:database:user:password` lines, `*` matching anything, `\:` and `\\` escaped.
enum PasswordFile {
    static func lookup(environment: [String: String], host: String, port: Int, database: String, user: String) -> String? {
        let path: String
        if let named = environment["PGPASSFILE"], !named.isEmpty {
            path = named
        } else {
            path = URL(fileURLWithPath: environment["HOME"] ?? NSHomeDirectory()).appendingPathComponent(".pgpass").path
        }
        // Like libpq, a file others may read is ignored rather than trusted.
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & 0o077 == 0,
              let contents = FileManager.default.contents(atPath: path)
        else { return nil }
        return lookup(in: String(decoding: contents, as: UTF8.self), host: host, port: port, database: database, user: user)
    }

    static func lookup(in contents: String, host: String, port: Int, database: String, user: String) -> String? {
        let wanted = [host, String(port), database, user]
        for line in contents.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let fields = split(line)
            guard fields.count >= 5 else { continue }
            if zip(fields.prefix(4), wanted).allSatisfy({ $0.0 == "*" || $0.0 == $0.1 }) { return fields[4] }
        }
        return nil
    }

    /// Splits at unescaped colons, removing the escapes.
    private static func split(_ line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":" {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}

// Printing or dumping a location must never show the password, whatever prints it.
extension PostgresLocation: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "\(redacted) (workspace \(workspace))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["redacted": redacted, "workspace": workspace]) }
}

extension PostgresLocation.Endpoint: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { redacted }
    public var debugDescription: String { redacted }
    public var customMirror: Mirror { Mirror(self, children: ["redacted": redacted]) }
}
