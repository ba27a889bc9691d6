import Foundation
import IncidentCore

/// The exact bytes each channel sends, built by hand so they are the same on every platform and every retry.
public enum Payload {
    /// A webhook body in `format`'s shape. Only `generic` carries the idempotency key as a field; every webhook
    /// also gets it as the `Idempotency-Key` header.
    /// A Feishu robot that requires signed messages takes the `signature` in the body.
    static func webhookBody(
        _ format: WebhookFormat, content: StatusUpdateContent, idempotencyKey: String, signature: WebhookSigning.Signature?
    ) -> [UInt8] {
        guard format == .feishu, let signature else { return webhookBody(format, content: content, idempotencyKey: idempotencyKey) }
        let text = #"{"timestamp":\#(JSON.string(signature.timestamp)),"sign":\#(JSON.string(signature.sign)),"msg_type":"text","content":{"text":\#(JSON.string(content.message))}}"#
        return Array(text.utf8)
    }

    public static func webhookBody(_ format: WebhookFormat, content: StatusUpdateContent, idempotencyKey: String) -> [UInt8] {
        let message = JSON.string(content.message)
        let text: String
        switch format {
        case .slack:
            text = #"{"text":\#(message)}"#
        case .wecom, .dingtalk:
            text = #"{"msgtype":"text","text":{"content":\#(message)}}"#
        case .feishu:
            text = #"{"msg_type":"text","content":{"text":\#(message)}}"#
        case .generic:
            let fields: [(String, String)] = [
                ("idempotency_key", JSON.string(idempotencyKey)),
                ("incident", JSON.string(content.incident)),
                ("title", JSON.string(content.title)),
                ("severity", JSON.string(content.severity.rawValue)),
                ("state", JSON.string(content.state.rawValue)),
                ("audience", JSON.string(content.audience.rawValue)),
                ("drill", content.isDrill ? "true" : "false"),
                ("message", message),
                ("sent_at", JSON.string(iso(content.sentAt))),
                ("next_update_by", content.nextUpdateBy.map { JSON.string(iso($0)) } ?? "null"),
            ]
            text = "{" + fields.map { "\(JSON.string($0.0)):\($0.1)" }.joined(separator: ",") + "}"
        }
        return Array(text.utf8)
    }

    /// What a file channel appends: a header line naming the incident and the idempotency key, the message, a blank line.
    /// The key in the header is how a retry after a crash finds the update already written.
    public static func fileEntry(content: StatusUpdateContent, idempotencyKey: String) -> String {
        let drill = content.isDrill ? " · DRILL" : ""
        return "== \(content.incident) · \(content.severity.rawValue) · \(content.state.rawValue) · \(content.audience.rawValue)"
            + "\(drill) · \(iso(content.sentAt)) · \(idempotencyKey)\n\(content.message)\n\n"
    }

    /// `2025-03-14T14:15:00Z`: whole seconds, UTC.
    public static func iso(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
    }
}

/// Compact JSON text for the payloads.
enum JSON {
    /// A JSON string literal: quotes, backslashes, control, bidirectional and zero-width characters escaped, everything
    /// else as UTF-8.
    static func string(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            // Every other control, bidirectional or zero-width character as an escape: the receiver gets the same text,
            // but nothing that logs or shows the raw body can be driven by it.
            case _ where InertText.isMarked(scalar):
                out += String(format: "\\u%04X", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// Replaces every secret a channel used (resolved URLs, their paths, header and variable values) in a text,
/// so no message that reaches the timeline, an error or an export can carry one.
public struct Redactor: Sendable {
    private var secrets: [String]

    public init(_ secrets: [String] = []) {
        self.secrets = []
        for secret in secrets { add(secret) }
    }

    /// Adds a secret; short values (under 6 characters) are not secrets worth hiding and would mangle words.
    public mutating func add(_ secret: String) {
        let s = secret.trimmingCharacters(in: .whitespaces)
        guard s.count >= 6, !secrets.contains(s) else { return }
        secrets.append(s)
        // Longest first, so a URL is replaced whole before its path is.
        secrets.sort { $0.count > $1.count }
    }

    /// Adds a URL and the parts of it that identify it: the path and query often are the token.
    public mutating func add(url: String) {
        add(url)
        guard let components = URLComponents(string: url) else { return }
        if components.path.count > 1 { add(components.path) }
        if let query = components.query { add(query) }
        if let user = components.user { add(user) }
        if let password = components.password { add(password) }
        if let path = components.percentEncodedPath.removingPercentEncoding, path.count > 1 { add(path) }
    }

    public func redact(_ text: String) -> String {
        var out = text
        for secret in secrets { out = out.replacingOccurrences(of: secret, with: "[redacted]") }
        return out
    }
}
