import Crypto
import Foundation

/// Signatures for chat robots that require signed messages (DingTalk and Feishu "加签"): an HMAC-SHA256 over the
/// current time and the robot's secret, checked by the service to be within an hour. Each attempt signs afresh.
enum WebhookSigning {
    /// The formats whose robots accept a `secret:`.
    static let formats: Set<WebhookFormat> = [.dingtalk, .feishu]

    /// A timestamp and the signature over it, as the service expects them.
    struct Signature: Sendable, Equatable {
        var timestamp: String
        var sign: String
    }

    /// DingTalk: milliseconds since 1970, and base64(HMAC-SHA256(key: secret, message: "timestamp\nsecret")).
    static func dingtalk(secret: String, at date: Date) -> Signature {
        let timestamp = String(Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(timestamp)\n\(secret)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return Signature(timestamp: timestamp, sign: Data(mac).base64EncodedString())
    }

    /// Feishu: seconds since 1970, and base64(HMAC-SHA256(key: "timestamp\nsecret", message: empty)).
    static func feishu(secret: String, at date: Date) -> Signature {
        let timestamp = String(Int64(date.timeIntervalSince1970.rounded(.down)))
        let mac = HMAC<SHA256>.authenticationCode(for: Data(), using: SymmetricKey(data: Data("\(timestamp)\n\(secret)".utf8)))
        return Signature(timestamp: timestamp, sign: Data(mac).base64EncodedString())
    }

    /// DingTalk carries the signature in the query: `…&timestamp=…&sign=…`, the sign percent-encoded.
    static func signedURL(_ url: String, _ signature: Signature) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let sign = signature.sign.addingPercentEncoding(withAllowedCharacters: allowed) ?? signature.sign
        return url + (url.contains("?") ? "&" : "?") + "timestamp=\(signature.timestamp)&sign=\(sign)"
    }
}
