import Foundation
import YAMLDiagnostics

/// One condition on an alert group's labels, with Alertmanager's meaning: a missing label is the empty string,
/// and a regular expression must match the whole value.
public struct LabelMatcher: Sendable, Equatable, CustomStringConvertible {
    /// The four operators of Alertmanager's matcher syntax.
    public enum Operator: String, Sendable, CaseIterable {
        case equal = "="
        case notEqual = "!="
        case matchesRegex = "=~"
        case notMatchesRegex = "!~"
    }

    public let name: String
    public let op: Operator
    public let value: String
    private let regex: AnchoredRegex?

    /// `nil` and why when `value` is not a valid regular expression for a regex operator.
    public static func make(name: String, op: Operator, value: String) -> (LabelMatcher?, String?) {
        switch op {
        case .equal, .notEqual:
            return (LabelMatcher(name: name, op: op, value: value, regex: nil), nil)
        case .matchesRegex, .notMatchesRegex:
            guard let regex = AnchoredRegex(value) else { return (nil, "\(quote(value)) is not a valid regular expression") }
            return (LabelMatcher(name: name, op: op, value: value, regex: regex), nil)
        }
    }

    private init(name: String, op: Operator, value: String, regex: AnchoredRegex?) {
        self.name = name
        self.op = op
        self.value = value
        self.regex = regex
    }

    public func matches(_ labels: [String: String]) -> Bool {
        let given = labels[name] ?? ""
        switch op {
        case .equal: return given == value
        case .notEqual: return given != value
        case .matchesRegex: return regex?.matchesWhole(given) == true
        case .notMatchesRegex: return regex?.matchesWhole(given) != true
        }
    }

    public var description: String { "\(name)\(op.rawValue)\(quote(value))" }

    public static func == (a: LabelMatcher, b: LabelMatcher) -> Bool { a.name == b.name && a.op == b.op && a.value == b.value }

    /// Parses one entry of a `matchers:` list: `name op value`, the value in double quotes (with `\"`, `\\` and
    /// `\n` escapes) or bare, as Alertmanager's `matchers` accept it. Returns why when it is not one.
    public static func parse(_ text: String) -> (LabelMatcher?, String?) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let nameEnd = trimmed.firstIndex { !($0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber))) } ?? trimmed.endIndex
        let name = String(trimmed[..<nameEnd])
        guard let first = name.first, first == "_" || first.isLetter else {
            return (nil, "matcher \(quote(text)) must start with a label name (letters, digits and _)")
        }
        var rest = trimmed[nameEnd...].drop { $0 == " " }
        // The two-character operators first, so `!=` is not read as a stray `!`.
        guard let op = [Operator.matchesRegex, .notMatchesRegex, .notEqual, .equal].first(where: { rest.hasPrefix($0.rawValue) }) else {
            return (nil, "matcher \(quote(text)) needs an operator after \(name): =, !=, =~ or !~")
        }
        rest = rest.dropFirst(op.rawValue.count).drop { $0 == " " }
        let value: String
        if rest.first == "\"" {
            var out = "", escaped = false, closed = false
            var index = rest.index(after: rest.startIndex)
            while index < rest.endIndex {
                let c = rest[index]
                index = rest.index(after: index)
                if escaped {
                    out.append(c == "n" ? "\n" : c)
                    escaped = false
                } else if c == "\\" {
                    escaped = true
                } else if c == "\"" {
                    closed = true
                    break
                } else {
                    out.append(c)
                }
            }
            guard closed, rest[index...].allSatisfy({ $0 == " " }) else {
                return (nil, "matcher \(quote(text)) has an unclosed quote or text after the closing quote")
            }
            value = out
        } else {
            guard !rest.contains("\"") else { return (nil, "matcher \(quote(text)) has a stray quote") }
            value = String(rest)
        }
        return make(name: name, op: op, value: value)
    }
}

/// A regular expression anchored as Alertmanager anchors label regexes, `^(?:re)$`, so `stor` does not match
/// `storage`. NSRegularExpression is immutable once built, which makes sharing it across tasks safe.
private struct AnchoredRegex: @unchecked Sendable {
    let expression: NSRegularExpression

    init?(_ pattern: String) {
        guard let expression = try? NSRegularExpression(pattern: "^(?:" + pattern + ")$", options: [.dotMatchesLineSeparators])
        else { return nil }
        self.expression = expression
    }

    func matchesWhole(_ text: String) -> Bool {
        let range = NSRange(text.startIndex..., in: text)
        return expression.firstMatch(in: text, options: [.anchored], range: range)?.range == range
    }
}
