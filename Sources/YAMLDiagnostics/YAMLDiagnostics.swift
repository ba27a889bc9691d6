import IncidentCore
import Yams

/// What a Yams parse error means, in words the person editing the file can act on. Runbook front matter, drill
/// scenarios, contacts.yaml and warroom.yaml all report their YAML mistakes through it.
public enum YAMLDiagnostics {
    /// Where a text is not YAML, and why.
    public struct Problem: Error, Sendable, Equatable {
        public var line: Int
        public var message: String
    }

    /// The text as a node tree (`nil` when it holds nothing), or the first problem as `describe` words it; any
    /// other failure is reported on line 1. The parameters are `describe`'s.
    public static func compose(
        _ text: String, lineOffset: Int = 0, quoteHint: String = "put the value in quotes", rawPrefix: String = "",
        duplicateLine: (String, Mark) -> Int? = { _, _ in nil }
    ) throws(Problem) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            let (line, message) = describe(error, text: text, lineOffset: lineOffset, quoteHint: quoteHint, rawPrefix: rawPrefix,
                                           duplicateLine: duplicateLine) ?? (1, rawPrefix + "\(error)")
            throw Problem(line: max(1, line), message: message)
        } catch {
            throw Problem(line: 1, message: rawPrefix + "\(error)")
        }
    }

    /// The line a syntax or duplicate-key error points at and its message; `nil` for any other error, which the
    /// caller words itself.
    /// - Parameters:
    ///   - text: the YAML that was parsed; `lineOffset` is added to lines named inside messages (front matter
    ///     starts below the file's first line).
    ///   - quoteHint: what to quote when a value contains `: `.
    ///   - rawPrefix: put before libyaml's own wording (not before the hints).
    ///   - duplicateLine: where a duplicated key is worth fixing, when the caller can tell better than Yams, which
    ///     marks the start of the mapping.
    static func describe(
        _ error: YamlError, text: String, lineOffset: Int = 0, quoteHint: String = "put the value in quotes",
        rawPrefix: String = "", duplicateLine: (String, Mark) -> Int? = { _, _ in nil }
    ) -> (line: Int, message: String)? {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
            let .composer(context, problem, mark, _):
            // The two mistakes people make most get a hint in their own words.
            if problem == "mapping values are not allowed in this context" {
                return (mark.line, "a value contains \": \"; \(quoteHint)")
            }
            let lineHasTab = text.split(separator: "\n", omittingEmptySubsequences: false)
                .dropFirst(max(0, mark.line - 1)).first?.contains("\t") == true
            if problem.contains("tab character") || (problem.hasPrefix("found character that cannot start any token") && lineHasTab) {
                return (mark.line, "tab character: indent YAML with spaces")
            }
            // libyaml notices an unclosed bracket lines later; naming where it opened points at the real typo.
            let why = context.map { c in
                c.mark.line == mark.line ? " (\(c.text))" : " (\(c.text) that starts on line \(lineOffset + c.mark.line))"
            } ?? ""
            return (mark.line, rawPrefix + problem + why)
        case let .reader(problem, offset?, _, yaml):
            // libyaml counts the offending character's offset; its line and column are what the person needs.
            let before = yaml.prefix(offset)
            let line = before.reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
            let column = before.reversed().prefix { $0 != "\n" }.count + 1
            return (line, rawPrefix + problem + " (column \(column))")
        case let .duplicatedKeysInMapping(duplicates, context):
            let at = duplicates.first.flatMap { duplicateLine($0, context.mark) } ?? context.mark.line
            return (at, "duplicate key \(duplicates.map(quote).joined(separator: ", "))")
        default:
            return nil
        }
    }
}

/// Quotes a value from a file for a message, cut short so one runaway line cannot flood the output, and inert.
public func quote(_ text: String) -> String {
    let cut = text.count > 60 ? String(text.prefix(57)) + "…" : text
    return "\"" + InertText.make(cut) + "\""
}
