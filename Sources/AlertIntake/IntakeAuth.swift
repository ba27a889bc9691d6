import Crypto
import Foundation

/// Why a request's credentials were refused; each a label value for the rejected-requests metric.
public enum AuthFailure: String, Error, Sendable, Equatable, CaseIterable {
    /// No `Authorization` header, or no signature (or timestamp) header when one is required.
    case missing
    /// A token or password that is not the configured one, or an `Authorization` scheme other than Bearer or Basic.
    case wrong
    /// The signed timestamp is more than `IntakeAuth.timestampTolerance` away from now, or not Unix seconds.
    case staleTimestamp
    /// The signature is not the HMAC of what was received.
    case badSignature
}

/// How a request proved itself.
public enum AuthMethod: String, Sendable, Equatable {
    case bearer
    case basic
    case grafanaSignature
    /// Nothing was configured to check (the listen policy keeps such a receiver on loopback).
    case none
}

/// Resolved secrets for checking requests; built by the server from `IntakeConfig` and the environment.
public struct IntakeCredentials: Sendable {
    public var token: String?
    public var grafanaSecret: String?
    public var signatureHeader: String
    public var timestampHeader: String?

    public init(token: String? = nil, grafanaSecret: String? = nil,
                signatureHeader: String = IntakeConfig.defaultSignatureHeader, timestampHeader: String? = nil) {
        self.token = token
        self.grafanaSecret = grafanaSecret
        self.signatureHeader = signatureHeader
        self.timestampHeader = timestampHeader
    }
}

/// Checks a request over the exact bytes received, comparing every secret in constant time.
public enum IntakeAuth {
    /// How far a signed Grafana timestamp may be from now, either way.
    public static let timestampTolerance: TimeInterval = 300

    /// Grafana's posts are checked by signature when a secret is set (Grafana cannot also send a bearer token
    /// it signs); every other request, and Grafana's without a secret, by the token.
    public static func check(source: AlertSource, headers: [String: String], body: Data, now: Date,
                             credentials: IntakeCredentials) -> Result<AuthMethod, AuthFailure> {
        if source == .grafana, let secret = credentials.grafanaSecret {
            return checkSignature(headers: headers, body: body, now: now, secret: secret,
                                  signatureHeader: credentials.signatureHeader, timestampHeader: credentials.timestampHeader)
        }
        guard let token = credentials.token else { return .success(.none) }
        return checkToken(headers: headers, token: token)
    }

    /// `Authorization: Bearer TOKEN`, or Basic auth whose password is the token (the user name is not checked:
    /// Alertmanager's `basic_auth` needs one, and it proves nothing the password does not).
    public static func checkToken(headers: [String: String], token: String) -> Result<AuthMethod, AuthFailure> {
        guard let value = header(headers, "Authorization")?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
            return .failure(.missing)
        }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { return .failure(.wrong) }
        let credential = parts[1].trimmingCharacters(in: .whitespaces)
        switch parts[0].lowercased() {
        case "bearer":
            return ConstantTime.equal(Data(credential.utf8), Data(token.utf8)) ? .success(.bearer) : .failure(.wrong)
        case "basic":
            guard let decoded = Data(base64Encoded: credential), let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else {
                return .failure(.wrong)
            }
            let password = decoded[decoded.index(after: colon)...]
            return ConstantTime.equal(Data(password), Data(token.utf8)) ? .success(.basic) : .failure(.wrong)
        default:
            return .failure(.wrong)
        }
    }

    /// Grafana's webhook signature: lowercase hex HMAC-SHA256 of the body, or of `"<seconds>:" + body` when a
    /// timestamp header is configured. The timestamp is checked first so a replayed request is refused as stale
    /// whatever its signature.
    public static func checkSignature(headers: [String: String], body: Data, now: Date, secret: String,
                                      signatureHeader: String, timestampHeader: String?) -> Result<AuthMethod, AuthFailure> {
        guard let signature = header(headers, signatureHeader)?.trimmingCharacters(in: .whitespaces), !signature.isEmpty else {
            return .failure(.missing)
        }
        var signed = Data()
        if let timestampHeader {
            guard let stamp = header(headers, timestampHeader)?.trimmingCharacters(in: .whitespaces), !stamp.isEmpty else {
                return .failure(.missing)
            }
            guard stamp.allSatisfy({ $0.isASCII && $0.isNumber }), let seconds = Int64(stamp),
                  abs(Double(seconds) - now.timeIntervalSince1970) <= timestampTolerance else {
                return .failure(.staleTimestamp)
            }
            signed.append(contentsOf: Array(stamp.utf8) + [UInt8(ascii: ":")])
        }
        signed.append(body)
        // Hex that is not lowercase is not what Grafana writes; refusing it keeps one accepted spelling per body.
        guard let mac = lowercaseHex(signature) else { return .failure(.badSignature) }
        let key = SymmetricKey(data: Data(secret.utf8))
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: signed, using: key)
            ? .success(.grafanaSignature) : .failure(.badSignature)
    }

    /// The signature a sender would put on `body`, for senders and tests that sign as Grafana does.
    public static func grafanaSignature(body: Data, secret: String, timestamp: Int64? = nil) -> String {
        var signed = Data()
        if let timestamp { signed.append(contentsOf: Array("\(timestamp):".utf8)) }
        signed.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Data(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    /// HTTP header names are case-insensitive; the server may hand them over in any case.
    static func header(_ headers: [String: String], _ name: String) -> String? {
        if let exact = headers[name] { return exact }
        let lower = name.lowercased()
        return headers.first { $0.key.lowercased() == lower }?.value
    }

    static func lowercaseHex(_ text: String) -> Data? {
        let bytes = Array(text.utf8)
        guard bytes.count.isMultiple(of: 2) else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        var out = Data(capacity: bytes.count / 2)
        for i in stride(from: 0, to: bytes.count, by: 2) {
            guard let high = nibble(bytes[i]), let low = nibble(bytes[i + 1]) else { return nil }
            out.append(high << 4 | low)
        }
        return out
    }
}

/// Secret comparison whose time depends on neither the position of the first differing byte nor the length of
/// the secret: both sides are reduced to SHA-256 digests, which swift-crypto compares in constant time.
enum ConstantTime {
    static func equal(_ given: Data, _ expected: Data) -> Bool {
        SHA256.hash(data: given) == SHA256.hash(data: expected)
    }
}

/// A `HOST:PORT` to listen on.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    /// `127.0.0.1:9095`, `[::1]:9095`, `localhost:9095`, `0.0.0.0:9095`; `nil` for anything else.
    public static func parse(_ text: String) -> ListenAddress? {
        let host: Substring, portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(portText), (1...65535).contains(port) else { return nil }
        return ListenAddress(host: String(host), port: port)
    }

    /// Only the machine itself can reach it: `localhost`, 127.0.0.0/8 and `::1`.
    public var isLoopback: Bool {
        let h = host.lowercased()
        if h == "localhost" || h == "::1" || h == "0:0:0:0:0:0:0:1" { return true }
        let octets = h.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Whether the receiver may listen here, and what it must say at start when it may. Without a token anyone who
    /// can reach the port could open incidents, so only loopback is allowed; with a token but no TLS the token
    /// travels in clear, which is allowed and said.
    public func policy(tokenConfigured: Bool, tlsConfigured: Bool) -> Result<[String], ListenRefusal> {
        if isLoopback {
            return .success(tokenConfigured ? [] : ["no intake token is set: listening on \(self) (loopback) only"])
        }
        guard tokenConfigured else { return .failure(ListenRefusal(address: self)) }
        guard tlsConfigured else {
            return .success(["listening on \(self) without TLS: the token travels in clear (set intake.tls.cert and intake.tls.key)"])
        }
        return .success([])
    }
}

/// A non-loopback listen without a token, refused.
public struct ListenRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var address: ListenAddress
    public var description: String {
        "refusing to listen on \(address) without a token: set intake.token (${VAR}) or listen on 127.0.0.1"
    }
}
