import Foundation
import IncidentCore
import YAMLDiagnostics
import Yams

/// A webhook's payload shape.
public enum WebhookFormat: String, Sendable, CaseIterable {
    case slack, wecom, dingtalk, feishu, generic

    /// The longest message, in UTF-8 bytes, the service accepts in a text message (`nil`: no practical limit).
    public var messageLimit: Int? {
        switch self {
        case .wecom: 2048
        case .dingtalk: 20_000
        case .feishu: 30_000
        case .slack: 40_000
        case .generic: nil
        }
    }
}

/// A configuration value that may take parts from environment variables: `https://hooks/${OPS_TOKEN}`.
/// Only the template is ever kept or shown; the resolved value exists for the length of one attempt.
public struct SecretTemplate: Sendable, Equatable {
    enum Part: Sendable, Equatable {
        case literal(String)
        case variable(String)
    }

    let parts: [Part]

    /// Parses `${NAME}` references; `nil` and a message if one is malformed.
    static func parse(_ text: String) -> (SecretTemplate?, String?) {
        var parts: [Part] = []
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            if start.lowerBound > rest.startIndex { parts.append(.literal(String(rest[..<start.lowerBound]))) }
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                return (nil, "unclosed ${ (write ${NAME} to use the environment variable NAME)")
            }
            let name = String(rest[start.upperBound..<end])
            guard isVariableName(name) else {
                return (nil, "${\(name)} is not an environment variable name (letters, digits and _)")
            }
            parts.append(.variable(name))
            rest = rest[rest.index(after: end)...]
        }
        if !rest.isEmpty { parts.append(.literal(String(rest))) }
        return (SecretTemplate(parts: parts), nil)
    }

    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.first, first == "_" || (first.isASCII && first.isLetter) else { return false }
        return name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }

    /// The environment variables it reads.
    public var variables: [String] {
        parts.compactMap { if case .variable(let name) = $0 { name } else { nil } }
    }

    /// The literal text, when it reads no environment variable.
    var literal: String? {
        variables.isEmpty ? parts.map { if case .literal(let s) = $0 { s } else { "" } }.joined() : nil
    }

    /// The value with variables filled in; throws naming the first variable that is not set.
    public func resolve(_ environment: [String: String]) throws(ChannelProblem) -> (value: String, secrets: [String]) {
        var value = "", secrets: [String] = []
        for part in parts {
            switch part {
            case .literal(let s): value += s
            case .variable(let name):
                guard let v = environment[name], !v.isEmpty else {
                    throw ChannelProblem("environment variable \(name) is not set", retryable: true)
                }
                value += v
                secrets.append(v)
            }
        }
        return (value, secrets)
    }
}

/// Where a channel sends.
public enum ChannelKind: Sendable, Equatable {
    /// Appends the update to a file (relative paths are in the workspace).
    case file(path: String)
    /// Runs a program with the update on standard input; `arguments[0]` is the program. Never a shell line.
    case command(arguments: [String], environment: [(name: String, value: SecretTemplate)])
    /// POSTs the update as JSON in the shape of `format`.
    case webhook(format: WebhookFormat, url: SecretTemplate, headers: [(name: String, value: SecretTemplate)])

    public static func == (a: ChannelKind, b: ChannelKind) -> Bool {
        switch (a, b) {
        case (.file(let x), .file(let y)): x == y
        case (.command(let x, let e1), .command(let y, let e2)):
            x == y && e1.map(\.name) == e2.map(\.name) && e1.map(\.value) == e2.map(\.value)
        case (.webhook(let f1, let u1, let h1), .webhook(let f2, let u2, let h2)):
            f1 == f2 && u1 == u2 && h1.map(\.name) == h2.map(\.name) && h1.map(\.value) == h2.map(\.value)
        default: false
        }
    }

    /// The environment variables an attempt reads (addresses, headers, a command's environment).
    var variables: [String] {
        switch self {
        case .file: []
        case .command(_, let environment): environment.flatMap(\.value.variables)
        case .webhook(_, let url, let headers): url.variables + headers.flatMap(\.value.variables)
        }
    }

    /// `file`, `command` or `webhook (slack)`: how a channel is described without its address.
    public var label: String {
        switch self {
        case .file: "file"
        case .command: "command"
        case .webhook(let format, _, _): "webhook (\(format.rawValue))"
        }
    }
}

/// One configured channel.
public struct ChannelConfig: Sendable, Equatable {
    public var name: String
    public var kind: ChannelKind
    public var severities: Set<Severity>
    public var audiences: Set<Audience>
    public var isDrillSink: Bool
    /// `updates: false`: a channel only pages reach (a contact's `webhook:` in contacts.yaml), never status updates.
    public var receivesUpdates = true
    /// How long one attempt may take.
    public var timeout: Duration
    /// The line of `- name:` in the file, for messages.
    public var line: Int
    /// `secret:` of a dingtalk or feishu webhook whose robot requires signed messages (加签).
    public var secret: SecretTemplate?
    var timeoutIsDefault = false

    public init(name: String, kind: ChannelKind, severities: Set<Severity> = Set(Severity.allCases),
                audiences: Set<Audience> = [.tactical], isDrillSink: Bool = false, timeout: Duration = .seconds(10), line: Int = 0) {
        self.name = name
        self.kind = kind
        self.severities = severities
        self.audiences = audiences
        self.isDrillSink = isDrillSink
        self.timeout = timeout
        self.line = line
    }

    /// The drill sink every workspace has, whatever warroom.yaml says: `WORKSPACE/drill-sink.log` receives every
    /// drill's status updates and pages, so a drill reaches nobody even where no channel is marked `drill: true`.
    public static let drillSink = ChannelConfig(
        name: "drill-sink", kind: .file(path: "drill-sink.log"), audiences: Set(Audience.allCases), isDrillSink: true)

    public var route: ChannelRoute {
        ChannelRoute(name: name, severities: receivesUpdates ? severities : [], audiences: audiences, isDrillSink: isDrillSink)
    }
}

extension ConfigParser {
    static let channelKeys = ["name", "type", "severities", "audience", "drill", "timeout", "path", "command", "env",
                              "format", "url", "headers", "secret", "updates"]
    static let kindKeys: [String: [String]] = [
        "file": ["path"], "command": ["command", "env"], "webhook": ["format", "url", "headers", "secret"],
    ]

    mutating func channels(_ node: Node, at: Int, defaultTimeout: Duration?) -> [ChannelConfig] {
        if node.null != nil { return [] }
        guard let items = node.sequence else {
            report(at, "channels must be a list: - name: ops, type: webhook, …")
            return []
        }
        var channels: [ChannelConfig] = []
        var names: [String: Int] = [:]
        for item in items {
            guard let channel = channel(item) else { continue }
            if let first = names[channel.name] {
                report(channel.line, "channel \(quote(channel.name)) is already defined on line \(first)")
                continue
            }
            names[channel.name] = channel.line
            channels.append(channel)
        }
        return channels
    }

    private mutating func channel(_ node: Node) -> ChannelConfig? {
        let at = line(node)
        guard let mapping = node.mapping else {
            report(at, "each channel must be keys and values: name:, type:, …")
            return nil
        }
        var fields: [String: (key: Node, value: Node)] = [:]
        var ok = true
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                report(line(keyNode), "keys must be plain words")
                ok = false
                continue
            }
            guard Self.channelKeys.contains(key) else {
                report(line(keyNode), "unknown channel key \(quote(key)) (known: \(Self.channelKeys.joined(separator: ", ")))")
                ok = false
                continue
            }
            fields[key] = (keyNode, value)
        }
        func text(_ key: String) -> String? { fields[key]?.value.scalar?.string.trimmingCharacters(in: .whitespaces) }
        func keyLine(_ key: String) -> Int { line(fields[key]?.key ?? node) }

        guard let name = text("name"), !name.isEmpty else {
            report(at, "a channel needs a name (it is what the timeline shows instead of its address)")
            return nil
        }
        if !Self.isChannelName(name) {
            report(keyLine("name"), "channel name \(quote(name)) may use letters, digits and # @ . _ - (up to 64), no blanks")
            ok = false
        }
        var channel = ChannelConfig(name: name, kind: .file(path: ""), line: keyLine("name"))

        guard let type = text("type") else {
            report(at, "channel \(quote(name)) needs a type: file, command or webhook")
            return nil
        }
        guard let allowed = Self.kindKeys[type] else {
            report(keyLine("type"), "unknown channel type \(quote(type)): use file, command or webhook")
            return nil
        }
        for (other, keys) in Self.kindKeys where other != type {
            for key in keys where fields[key] != nil && !allowed.contains(key) {
                report(keyLine(key), "\(key) belongs to \(other) channels; channel \(quote(name)) is a \(type) channel")
                ok = false
            }
        }

        switch type {
        case "file":
            guard let path = text("path"), !path.isEmpty else {
                report(at, "file channel \(quote(name)) needs a path")
                return nil
            }
            channel.kind = .file(path: path)
        case "command":
            guard let field = fields["command"] else {
                report(at, "command channel \(quote(name)) needs command: [program, argument, …]")
                return nil
            }
            guard let list = field.value.sequence else {
                report(line(field.key), "command must be a list, [program, argument, …]: it is run directly, never through a shell")
                return nil
            }
            let arguments = list.compactMap { $0.scalar?.string }
            guard arguments.count == list.count, let program = arguments.first, !program.isEmpty else {
                report(line(field.key), "command must be a non-empty list of words, [program, argument, …]")
                return nil
            }
            channel.kind = .command(arguments: arguments, environment: templates(fields["env"], what: "env") ?? [])
        default:
            guard let formatText = text("format") else {
                report(at, "webhook channel \(quote(name)) needs a format: \(WebhookFormat.allCases.map(\.rawValue).joined(separator: ", "))")
                return nil
            }
            guard let format = WebhookFormat(rawValue: formatText.lowercased()) else {
                report(keyLine("format"), "unknown webhook format \(quote(formatText)): use \(WebhookFormat.allCases.map(\.rawValue).joined(separator: ", "))")
                return nil
            }
            // The URL is never quoted back: it may hold a token.
            guard let urlText = text("url"), !urlText.isEmpty else {
                report(at, "webhook channel \(quote(name)) needs a url (write url: ${VARIABLE} to keep it out of the file)")
                return nil
            }
            let (url, problem) = SecretTemplate.parse(urlText)
            guard let url else {
                report(keyLine("url"), "url: \(problem!)")
                return nil
            }
            let lower = urlText.lowercased()
            if !(lower.hasPrefix("http://") || lower.hasPrefix("https://") || (url.parts.first.map { if case .variable = $0 { true } else { false } } ?? false)) {
                report(keyLine("url"), "url must start with http:// or https:// (or be ${VARIABLE})")
                ok = false
            } else if let literal = url.literal, URL(string: literal)?.host == nil {
                report(keyLine("url"), "url is not a valid http(s) URL")
                ok = false
            }
            let headers = templates(fields["headers"], what: "headers") ?? []
            for header in headers where !Self.isHeaderName(header.name) {
                report(keyLine("headers"), "header name \(quote(header.name)) is not a valid HTTP header name")
                ok = false
            }
            channel.kind = .webhook(format: format, url: url, headers: headers)
            // The secret is never quoted back either.
            if let secretText = text("secret") {
                let (secret, problem) = SecretTemplate.parse(secretText)
                if let problem {
                    report(keyLine("secret"), "secret: \(problem)")
                    ok = false
                } else if !WebhookSigning.formats.contains(format) {
                    report(keyLine("secret"), "secret signs dingtalk and feishu webhooks; \(format.rawValue) messages are not signed")
                    ok = false
                } else if secretText.isEmpty {
                    report(keyLine("secret"), "secret is empty (write secret: ${VARIABLE} to keep it out of the file)")
                    ok = false
                } else {
                    channel.secret = secret
                }
            }
        }

        if let field = fields["severities"] {
            var severities: Set<Severity> = []
            let items = field.value.sequence.map(Array.init) ?? (field.value.scalar != nil ? [field.value] : [])
            if items.isEmpty { report(line(field.key), "severities must list levels, like [L1, L2]"); ok = false }
            for item in items {
                guard let text = item.scalar?.string, let severity = Severity(parsing: text) else {
                    report(line(item), "unknown severity \(quote(item.scalar?.string ?? "")): use \(Severity.spellings)")
                    ok = false
                    continue
                }
                severities.insert(severity)
            }
            channel.severities = severities
        }
        if let field = fields["audience"] {
            var audiences: Set<Audience> = []
            let items = field.value.sequence.map(Array.init) ?? (field.value.scalar != nil ? [field.value] : [])
            if items.isEmpty { report(line(field.key), "audience must be tactical, executive or both, like [tactical, executive]"); ok = false }
            for item in items {
                guard let text = item.scalar?.string, let audience = Audience(parsing: text) else {
                    report(line(item), "unknown audience \(quote(item.scalar?.string ?? "")): use \(Audience.spellings)")
                    ok = false
                    continue
                }
                audiences.insert(audience)
            }
            channel.audiences = audiences
        }
        if let field = fields["drill"] {
            switch field.value.scalar?.string.lowercased() {
            case "true", "yes", "on": channel.isDrillSink = true
            case "false", "no", "off": channel.isDrillSink = false
            default:
                report(line(field.key), "drill must be true or false")
                ok = false
            }
        }
        if let field = fields["updates"] {
            switch field.value.scalar?.string.lowercased() {
            case "true", "yes", "on": channel.receivesUpdates = true
            case "false", "no", "off": channel.receivesUpdates = false
            default:
                report(line(field.key), "updates must be true or false")
                ok = false
            }
        }
        if let field = fields["timeout"] {
            if let d = duration(field.value, "timeout", minimum: .milliseconds(1)) { channel.timeout = d } else { ok = false }
        } else {
            channel.timeoutIsDefault = true
        }
        return ok ? channel : nil
    }

    /// A mapping of names to template values (`env:`, `headers:`).
    private mutating func templates(_ field: (key: Node, value: Node)?, what: String) -> [(name: String, value: SecretTemplate)]? {
        guard let field else { return nil }
        if field.value.null != nil { return [] }
        guard let mapping = field.value.mapping else {
            report(line(field.key), "\(what) must map names to values")
            return nil
        }
        var out: [(name: String, value: SecretTemplate)] = []
        for (keyNode, value) in mapping {
            // Values are not quoted back: they may be tokens.
            guard let name = keyNode.scalar?.string, let text = value.scalar?.string else {
                report(line(keyNode), "\(what) must map names to text values")
                continue
            }
            let (template, problem) = SecretTemplate.parse(text)
            guard let template else {
                report(line(keyNode), "\(what) \(quote(name)): \(problem!)")
                continue
            }
            if what == "env", !SecretTemplate.isVariableName(name) {
                report(line(keyNode), "env name \(quote(name)) is not an environment variable name")
                continue
            }
            out.append((name, template))
        }
        return out
    }

    static func isChannelName(_ name: String) -> Bool {
        // Per scalar too: a zero-width joiner rides inside the letter before it, where `isLetter` does not see it.
        name.count <= 64 && name.allSatisfy { $0.isLetter || $0.isNumber || "#@._-".contains($0) }
            && !name.unicodeScalars.contains(where: InertText.isMarked)
    }

    static func isHeaderName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "!#$%&'*+-.^_`|~".contains($0)) }
    }
}
