import IncidentCore
import YAMLDiagnostics
import Yams

/// Reads one drill scenario file (YAML), reporting every problem as `path:line: message`.
public enum DrillScenarioParser {
    /// Scenario files are a page or two; the caps keep hostile input from exhausting memory or the stack
    /// (Yams composes nested collections recursively).
    public static let maxBytes = 256 * 1024
    static let maxNesting = 32
    static let keys = ["id", "title", "runbooks", "severity", "tags", "injects"]
    static let injectForm = "write injects as \"T+OFFSET KIND: text\", like \"T+12m note: restore failing at 40%\""

    /// The scenario, when it has at least an id, a title, a severity and a runbook, and every problem found.
    public static func parse(text: String, path: String) -> (DrillScenario?, [FileProblem]) {
        let result = parseDetailed(text: text, path: path)
        return (result.scenario, result.problems)
    }

    /// What the linter needs beyond the scenario: where its id and runbook ids were written.
    struct Detailed {
        var scenario: DrillScenario?
        var problems: [FileProblem] = []
        var idLine = 1
        var runbookLines: [(id: String, line: Int)] = []
    }

    static func parseDetailed(text: String, path: String) -> Detailed {
        var result = Detailed()
        let lineCount = max(1, text.split(separator: "\n", omittingEmptySubsequences: false).count)
        // libyaml also breaks lines at a lone CR, NEL and U+2028, which the file's line count does not.
        func report(_ line: Int, _ message: String) {
            result.problems.append(FileProblem(path: path, line: min(max(line, 1), lineCount), message: message))
        }
        func line(_ node: Node?) -> Int { node?.mark?.line ?? 1 }

        guard text.utf8.count <= maxBytes else {
            report(1, "file is too large for a drill scenario (over 256 KiB)")
            return result
        }
        if let deep = YAMLNesting.firstLineTooDeep(text, limit: maxNesting) {
            report(deep, "nested too deeply")
            return result
        }
        let root: Node?
        do {
            root = try YAMLDiagnostics.compose(text, quoteHint: "put the whole inject or value in quotes")
        } catch {
            report(error.line, "bad YAML: \(error.message)")
            return result
        }
        guard let root, root.null == nil else {
            report(1, "empty scenario: it needs id, title, runbooks, severity and injects")
            return result
        }
        guard let mapping = root.mapping else {
            report(line(root), "a drill scenario must be YAML keys and values (id: …, title: …)")
            return result
        }

        var id: String?
        var title: String?
        var runbooks: [String] = []
        var severity: Severity?
        var tags: [String] = []
        var injects: [DrillScenario.Inject] = []
        var seen: Set<String> = []
        for (keyNode, value) in mapping {
            let at = line(keyNode)
            guard let key = keyNode.scalar?.string else {
                report(at, "keys must be plain words")
                continue
            }
            seen.insert(key)
            switch key {
            case "id":
                result.idLine = at
                guard let text = scalarText(value) else {
                    report(at, "id must be a single word, like storage-nodes-offline")
                    continue
                }
                if text.isEmpty {
                    report(at, "empty id")
                } else if !isSlug(text) {
                    report(at, "invalid id \(quote(text)): use lowercase letters, digits and dashes")
                } else {
                    id = text
                }
            case "title":
                guard let text = scalarText(value) else {
                    report(at, "title must be text")
                    continue
                }
                if text.isEmpty { report(at, "empty title") } else { title = text }
            case "runbooks":
                guard let items = list(value) else {
                    report(at, "runbooks must be a list of runbook ids, like [storage-restore-from-backup]")
                    continue
                }
                if items.isEmpty { report(at, "runbooks is empty: name the runbook ids the drill practises") }
                for item in items {
                    guard let text = scalarText(item), !text.isEmpty else {
                        report(line(item), "runbooks must be a list of runbook ids, like [storage-restore-from-backup]")
                        continue
                    }
                    if runbooks.contains(text) {
                        report(line(item), "runbook \(quote(text)) is listed twice")
                        continue
                    }
                    runbooks.append(text)
                    result.runbookLines.append((text, line(item)))
                }
            case "severity":
                guard let text = scalarText(value) else {
                    report(at, "severity must be one level: \(Severity.spellings)")
                    continue
                }
                if text.isEmpty {
                    report(at, "empty severity: use \(Severity.spellings)")
                } else if let level = Severity(parsing: text) {
                    severity = level
                } else {
                    report(at, "unknown severity \(quote(text)): use \(Severity.spellings)")
                }
            case "tags":
                guard let items = list(value) else {
                    report(at, "tags must be a list of words, like [storage, backup]")
                    continue
                }
                for item in items {
                    guard let text = scalarText(item), !text.isEmpty else {
                        report(line(item), "tags must be a list of words, like [storage, backup]")
                        continue
                    }
                    let tag = text.lowercased()
                    if !tags.contains(tag) { tags.append(tag) }
                }
            case "injects":
                guard value.null == nil, let items = value.sequence else {
                    report(at, "injects must be a list, one \"- T+OFFSET KIND: text\" per line")
                    continue
                }
                if items.isEmpty { report(at, "injects is empty: script at least one event, like T+0m alert: …") }
                var previous: DrillScenario.Inject?
                for item in items {
                    guard let inject = readInject(item, report: report) else { continue }
                    if let previous {
                        if inject.offsetSeconds == previous.offsetSeconds {
                            report(inject.line, "inject at \(inject.offsetText) has the same offset as line \(previous.line): give each inject its own time")
                            continue
                        }
                        if inject.offsetSeconds < previous.offsetSeconds {
                            report(inject.line, "inject at \(inject.offsetText) comes after \(previous.offsetText) (line \(previous.line)): list injects in time order")
                            continue
                        }
                    }
                    injects.append(inject)
                    previous = inject
                }
            default:
                report(at, "unknown key \(quote(key)) (known: \(keys.joined(separator: ", ")))")
            }
        }
        for key in keys where key != "tags" && !seen.contains(key) {
            report(1, "missing \(key)")
        }
        if let id, let title, let severity, !runbooks.isEmpty {
            result.scenario = DrillScenario(
                id: id, title: title, runbooks: runbooks, severity: severity, tags: tags, injects: injects, sourcePath: path)
        }
        return result
    }

    /// One `- T+12m note: text` item: YAML reads it as a one-pair mapping, or as a string when quoted.
    private static func readInject(_ item: Node, report: (Int, String) -> Void) -> DrillScenario.Inject? {
        let at = item.mark?.line ?? 1
        let head: String
        let body: String
        if let pairs = item.mapping {
            guard pairs.count == 1, let pair = pairs.first, let key = pair.0.scalar?.string else {
                report(at, injectForm)
                return nil
            }
            guard let value = scalarText(pair.1) else {
                report(at, "inject text must be one line of text; put it in quotes")
                return nil
            }
            head = key.trimmingSpaces
            body = value
        } else if let text = item.scalar?.string {
            guard let colon = text.range(of: ":") else {
                report(at, injectForm)
                return nil
            }
            head = String(text[..<colon.lowerBound]).trimmingSpaces
            body = String(text[colon.upperBound...]).trimmingSpaces
        } else {
            report(at, injectForm)
            return nil
        }

        let words = head.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let offsetWord = words.first,
              offsetWord.hasPrefix("T+"),
              let seconds = DurationSyntax.seconds(String(offsetWord.dropFirst(2)))
        else {
            let raw = words.first.map { " \(quote($0))" } ?? ""
            report(at, "malformed offset\(raw): use T+ and a duration, like T+12m or T+1h30m")
            return nil
        }
        guard words.count <= 2 else {
            report(at, injectForm)
            return nil
        }
        let kind: DrillScenario.Kind
        if words.count == 2 {
            guard let known = DrillScenario.Kind(rawValue: words[1].lowercased()) else {
                report(at, "unknown inject kind \(quote(words[1])) (known: \(DrillScenario.Kind.spellings))")
                return nil
            }
            kind = known
        } else {
            // `T+12m: the vendor calls back` reads naturally; an unnamed kind is something heard.
            kind = .note
        }
        guard !body.isEmpty else {
            report(at, "empty text for the inject at T+\(offsetWord.dropFirst(2))")
            return nil
        }
        switch kind {
        case .severity:
            let parts = body.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard let level = parts.first.flatMap({ Severity(parsing: String($0)) }) else {
                report(at, "severity inject must start with a level (\(Severity.spellings)), like \"severity: L1 the CFO says payments are down\"")
                return nil
            }
            let reason = parts.count > 1 ? String(parts[1]).trimmingSpaces : ""
            guard !reason.isEmpty else {
                report(at, "severity inject needs a reason after \(level.rawValue): who is pushing, and why")
                return nil
            }
            return DrillScenario.Inject(offsetSeconds: seconds, kind: kind, text: reason, severity: level, line: at)
        case .alert, .note, .unanswered:
            return DrillScenario.Inject(offsetSeconds: seconds, kind: kind, text: body, line: at)
        }
    }

    /// A scalar's text, trimmed; "" for an explicit null; nil for a list or mapping.
    private static func scalarText(_ node: Node) -> String? {
        if node.null != nil { return "" }
        return node.scalar?.string.trimmingSpaces
    }

    /// A sequence's items; a lone scalar counts as a list of one.
    private static func list(_ node: Node) -> [Node]? {
        if node.null != nil { return [] }
        if let sequence = node.sequence { return Array(sequence) }
        if node.scalar != nil { return [node] }
        return nil
    }
}
