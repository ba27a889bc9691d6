import Foundation
import IncidentCore
import YAMLDiagnostics
import Yams

/// A secret written as `${VAR}` (or with literal text around it) in warroom.yaml. Its description never shows a
/// value, only the variables it reads, so a secret cannot end up in a log or an error message.
public struct IntakeSecret: Sendable, Equatable, CustomStringConvertible {
    enum Part: Sendable, Equatable {
        case literal(String)
        case variable(String)
    }

    let parts: [Part]

    /// Parses `${NAME}` references; `nil` and why if one is malformed.
    static func parse(_ text: String) -> (IntakeSecret?, String?) {
        var parts: [Part] = []
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            if start.lowerBound > rest.startIndex { parts.append(.literal(String(rest[..<start.lowerBound]))) }
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                return (nil, "unclosed ${ (write ${NAME} to use the environment variable NAME)")
            }
            let name = String(rest[start.upperBound..<end])
            guard let first = name.first, first == "_" || (first.isASCII && first.isLetter),
                  name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }) else {
                return (nil, "${\(InertText.make(name))} is not an environment variable name (letters, digits and _)")
            }
            parts.append(.variable(name))
            rest = rest[rest.index(after: end)...]
        }
        if !rest.isEmpty { parts.append(.literal(String(rest))) }
        return (IntakeSecret(parts: parts), nil)
    }

    /// The environment variables it reads.
    public var variables: [String] {
        parts.compactMap { if case .variable(let name) = $0 { name } else { nil } }
    }

    /// The value with variables filled in; names the first variable that is not set, never a value.
    public func resolve(_ environment: [String: String]) -> Result<String, UnsetVariable> {
        var value = ""
        for part in parts {
            switch part {
            case .literal(let s): value += s
            case .variable(let name):
                guard let v = environment[name], !v.isEmpty else { return .failure(UnsetVariable(name: name)) }
                value += v
            }
        }
        return .success(value)
    }

    public var description: String {
        variables.isEmpty ? "(a literal secret)" : variables.map { "${\($0)}" }.joined(separator: " ")
    }
}

/// An environment variable a secret needs and that is not set.
public struct UnsetVariable: Error, Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public init(name: String) { self.name = name }
    public var description: String { "environment variable \(name) is not set" }
}

/// What a routing rule does with a matching alert group.
public enum RuleAction: Sendable, Equatable {
    /// Declare an incident at once at this severity, attaching runbooks by `tags`, paging `page` by itself.
    case declare(Severity, tags: [String], page: [String])
    /// Keep it as a pending alert for a human, proposed at this severity.
    case triage(Severity)
}

/// One entry of `intake.rules`: every matcher must hold.
public struct IntakeRule: Sendable, Equatable {
    public var matchers: [LabelMatcher]
    public var action: RuleAction
    /// The rule's line in warroom.yaml, so a decision can say which rule made it.
    public var line: Int

    public init(matchers: [LabelMatcher], action: RuleAction, line: Int) {
        self.matchers = matchers
        self.action = action
        self.line = line
    }

    public func matches(_ labels: [String: String]) -> Bool { matchers.allSatisfy { $0.matches(labels) } }
}

/// What routing makes of an alert group.
public enum RouteDecision: Sendable, Equatable {
    case declare(severity: Severity, tags: [String], page: [String], ruleLine: Int)
    case triage(severity: Severity, ruleLine: Int)
    /// No rule matched: a pending alert with no proposed severity.
    case unmatched
}

/// The ordered rules of `intake.rules`; the first that matches decides.
public struct IntakeRules: Sendable, Equatable {
    public var rules: [IntakeRule]

    public init(_ rules: [IntakeRule] = []) { self.rules = rules }

    public func route(_ labels: [String: String]) -> RouteDecision {
        guard let rule = rules.first(where: { $0.matches(labels) }) else { return .unmatched }
        switch rule.action {
        case .declare(let severity, let tags, let page): return .declare(severity: severity, tags: tags, page: page, ruleLine: rule.line)
        case .triage(let severity): return .triage(severity: severity, ruleLine: rule.line)
        }
    }
}

/// `intake:` in warroom.yaml: where the receiver listens, how senders prove themselves, and the routing rules.
public struct IntakeConfig: Sendable, Equatable {
    public static let defaultListen = "127.0.0.1:9095"
    public static let defaultSignatureHeader = "X-Grafana-Alerting-Signature"

    public var listen: String = defaultListen
    public var token: IntakeSecret?
    public var grafanaSecret: IntakeSecret?
    public var grafanaSignatureHeader: String = defaultSignatureHeader
    /// Grafana has no default timestamp header; without one the signature covers the body alone.
    public var grafanaTimestampHeader: String?
    /// How long a request waits for the store before answering 503, so the sender retries.
    public var storeTimeout: Duration = .seconds(5)
    /// `tls.cert` and `tls.key`: files for a non-loopback listen.
    public var tlsCertificate: String?
    public var tlsKey: String?
    public var rules = IntakeRules()

    public init() {}

    static let keys = ["listen", "token", "grafana_secret", "grafana_signature_header", "grafana_timestamp_header",
                       "store_timeout", "tls", "rules"]
    static let ruleKeys = ["match", "match_re", "matchers", "declare", "triage", "tags", "page"]

    /// Reads the `intake:` node of warroom.yaml; `path` names the file in problems. Whatever is wrong is reported
    /// with its line and left at its default, so one pass shows every mistake.
    public static func parse(_ node: Node, path: String) -> (IntakeConfig, [FileProblem]) {
        var reader = Reader(path: path)
        let config = reader.intake(node)
        return (config, reader.problems)
    }

    private struct Reader {
        let path: String
        var problems: [FileProblem] = []

        mutating func report(_ node: Node?, _ message: String) {
            problems.append(FileProblem(path: path, line: max(1, node?.mark?.line ?? 1), message: message))
        }

        mutating func intake(_ node: Node) -> IntakeConfig {
            var config = IntakeConfig()
            guard let mapping = node.mapping else {
                report(node, "intake must be keys and values (\(IntakeConfig.keys.map { $0 + ":" }.joined(separator: ", ")))")
                return config
            }
            for (keyNode, value) in mapping {
                let key = keyNode.scalar?.string ?? ""
                switch key {
                case "listen":
                    if let text = nonEmpty(value, "intake listen") {
                        if ListenAddress.parse(text) == nil {
                            report(value, "intake listen must be HOST:PORT, like 127.0.0.1:9095 or [::1]:9095 (got \(quote(text)))")
                        } else {
                            config.listen = text
                        }
                    }
                case "token": config.token = secret(value, "intake token")
                case "grafana_secret": config.grafanaSecret = secret(value, "intake grafana_secret")
                case "grafana_signature_header":
                    if let text = header(value, "intake grafana_signature_header") { config.grafanaSignatureHeader = text }
                case "grafana_timestamp_header":
                    config.grafanaTimestampHeader = header(value, "intake grafana_timestamp_header")
                case "store_timeout":
                    guard let text = value.scalar?.string, let d = ConfigDurationText.parse(text), d > .zero else {
                        report(value, "intake store_timeout must be a duration such as 5s or 500ms")
                        continue
                    }
                    config.storeTimeout = d
                case "tls":
                    (config.tlsCertificate, config.tlsKey) = tls(value)
                case "rules":
                    config.rules = IntakeRules(rules(value))
                default:
                    report(keyNode, "unknown key \(quote(key)) under intake (known: \(IntakeConfig.keys.joined(separator: ", ")))")
                }
            }
            return config
        }

        mutating func nonEmpty(_ node: Node, _ what: String) -> String? {
            guard let text = node.scalar?.string, !text.trimmingCharacters(in: .whitespaces).isEmpty else {
                report(node, "\(what) must be a non-empty value")
                return nil
            }
            return text
        }

        mutating func secret(_ node: Node, _ what: String) -> IntakeSecret? {
            guard let text = nonEmpty(node, what) else { return nil }
            let (secret, problem) = IntakeSecret.parse(text)
            if let problem { report(node, "\(what): \(problem)") }
            return secret
        }

        mutating func header(_ node: Node, _ what: String) -> String? {
            guard let text = nonEmpty(node, what) else { return nil }
            // RFC 9110 token characters: anything else could never arrive as a header name.
            let allowed = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
            guard text.allSatisfy(allowed.contains) else {
                report(node, "\(what) must be an HTTP header name (got \(quote(text)))")
                return nil
            }
            return text
        }

        mutating func tls(_ node: Node) -> (String?, String?) {
            guard let mapping = node.mapping else {
                report(node, "intake tls must be keys and values (cert:, key:)")
                return (nil, nil)
            }
            var cert: String?, key: String?
            for (keyNode, value) in mapping {
                switch keyNode.scalar?.string ?? "" {
                case "cert": cert = nonEmpty(value, "intake tls cert")
                case "key": key = nonEmpty(value, "intake tls key")
                case let other: report(keyNode, "unknown key \(quote(other)) under intake tls (known: cert, key)")
                }
            }
            if (cert == nil) != (key == nil) { report(node, "intake tls needs both cert and key") }
            return (cert, key)
        }

        mutating func rules(_ node: Node) -> [IntakeRule] {
            guard let list = node.sequence else {
                report(node, "intake rules must be a list, each rule starting with - (like - match: {severity: critical})")
                return []
            }
            return list.compactMap { rule($0) }
        }

        mutating func rule(_ node: Node) -> IntakeRule? {
            guard let mapping = node.mapping else {
                report(node, "a rule must be keys and values (\(IntakeConfig.ruleKeys.map { $0 + ":" }.joined(separator: ", ")))")
                return nil
            }
            let before = problems.count
            var matchers: [LabelMatcher] = []
            var declare: Severity?, triage: Severity?, tags: [String]?, page: [String]?
            var tagsNode: Node?, pageNode: Node?
            for (keyNode, value) in mapping {
                switch keyNode.scalar?.string ?? "" {
                case "match": matchers += labelMap(value, "match", op: .equal)
                case "match_re": matchers += labelMap(value, "match_re", op: .matchesRegex)
                case "matchers":
                    guard let list = value.sequence else {
                        report(value, "matchers must be a list like ['severity=\"critical\"', 'team=~\"storage|db\"']")
                        continue
                    }
                    for entry in list {
                        guard let text = entry.scalar?.string else {
                            report(entry, "each matcher is one quoted string, like 'severity=\"critical\"'")
                            continue
                        }
                        let (matcher, problem) = LabelMatcher.parse(text)
                        if let matcher { matchers.append(matcher) } else { report(entry, problem ?? "bad matcher") }
                    }
                case "declare": declare = severity(value, "declare")
                case "triage": triage = severity(value, "triage")
                case "tags":
                    tags = words(value, "tags")
                    tagsNode = keyNode
                case "page":
                    page = words(value, "page")?.map(Role.canonical)
                    pageNode = keyNode
                case let other:
                    report(keyNode, "unknown key \(quote(other)) in a rule (known: \(IntakeConfig.ruleKeys.joined(separator: ", ")))")
                }
            }
            let keys = Set(mapping.keys.compactMap { $0.scalar?.string })
            if keys.contains("declare") && keys.contains("triage") {
                report(node, "a rule either declares or triages, not both")
            } else if !keys.contains("declare") && !keys.contains("triage") {
                report(node, "a rule needs declare: L1…L4 (declare an incident) or triage: L1…L4 (wait for a human)")
            }
            if keys.contains("triage") {
                // Only a declaration has runbooks to attach and people to page; on a triage rule they would be ignored.
                if tags != nil { report(tagsNode, "tags belong to a declare rule; a triage rule declares nothing") }
                if page != nil { report(pageNode, "page belongs to a declare rule; a triage rule pages nobody") }
            }
            guard problems.count == before else { return nil }
            let line = node.mark?.line ?? 1
            if let declare {
                return IntakeRule(matchers: matchers, action: .declare(declare, tags: tags ?? [], page: page ?? []), line: line)
            }
            if let triage { return IntakeRule(matchers: matchers, action: .triage(triage), line: line) }
            return nil
        }

        mutating func labelMap(_ node: Node, _ what: String, op: LabelMatcher.Operator) -> [LabelMatcher] {
            guard let mapping = node.mapping else {
                report(node, "\(what) maps label names to values, like {severity: critical}")
                return []
            }
            var out: [LabelMatcher] = []
            for (nameNode, valueNode) in mapping {
                guard let name = nameNode.scalar?.string, !name.isEmpty, let value = valueNode.scalar?.string else {
                    report(nameNode, "\(what) maps label names to values, like {severity: critical}")
                    continue
                }
                let (matcher, problem) = LabelMatcher.make(name: name, op: op, value: value)
                if let matcher { out.append(matcher) } else { report(valueNode, "\(what) \(name): \(problem ?? "bad value")") }
            }
            return out
        }

        mutating func severity(_ node: Node, _ what: String) -> Severity? {
            guard let text = node.scalar?.string, let severity = Severity(parsing: text) else {
                report(node, "\(what) must be a severity: \(Severity.spellings)")
                return nil
            }
            return severity
        }

        mutating func words(_ node: Node, _ what: String) -> [String]? {
            guard let list = node.sequence, list.allSatisfy({ $0.scalar?.string.isEmpty == false }) else {
                report(node, "\(what) must be a list of words, like [storage, db]")
                return nil
            }
            return list.compactMap { $0.scalar?.string }
        }
    }
}

/// Durations as warroom.yaml writes them (`5s`, `500ms`, `1m30s`); Broadcast's `ConfigDuration` reads the same
/// spellings, but this module cannot import Broadcast.
enum ConfigDurationText {
    static func parse(_ text: String) -> Duration? {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces).lowercased())
        guard !rest.isEmpty else { return nil }
        var total: Duration = .zero
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 9, let value = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            if rest.hasPrefix("ms") {
                total += .milliseconds(value)
                rest = rest.dropFirst(2)
            } else if rest.hasPrefix("h") {
                total += .seconds(value * 3600)
                rest = rest.dropFirst()
            } else if rest.hasPrefix("m") {
                total += .seconds(value * 60)
                rest = rest.dropFirst()
            } else if rest.hasPrefix("s") {
                total += .seconds(value)
                rest = rest.dropFirst()
            } else {
                return nil
            }
        }
        return total
    }
}
