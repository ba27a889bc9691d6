import IncidentCore
import YAMLDiagnostics
import Yams

/// The YAML header of a runbook, with the lines its values came from.
struct FrontMatter {
    var id: String?
    var idLine = 1
    var title: String?
    var severities: [Severity] = []
    var tags: [String] = []
    var targets: [Runbook.Target] = []
    /// Whether the targets were read, so "a target no step reaches" is only judged against real ones.
    var parsed = false

    static let keys = ["id", "title", "severities", "tags", "targets"]
    /// Runbook headers are a few hundred bytes; the caps keep hostile input from exhausting memory or the stack
    /// (Yams composes nested collections recursively).
    static let maxBytes = 16 * 1024
    static let maxNesting = 32

    /// `yaml` is the text between the `---` lines, which are file lines `firstLine - 1` and `lastLine + 1`.
    static func read(_ yaml: String, firstLine: Int, lastLine: Int, report unclamped: (Int, String) -> Void) -> FrontMatter {
        // libyaml also breaks lines at a lone CR, NEL and U+2028, which the file's line count does not;
        // clamping keeps such a line number inside the front matter rather than past the end of the file.
        func report(_ line: Int, _ message: String) { unclamped(min(max(line, firstLine - 1), max(lastLine, firstLine - 1)), message) }
        var fm = FrontMatter()
        func line(_ node: Node?) -> Int { firstLine - 1 + (node?.mark?.line ?? 1) }

        guard yaml.utf8.count <= maxBytes else {
            report(firstLine, "front matter is too long (over 16 KiB)")
            return fm
        }
        if let deep = YAMLNesting.firstLineTooDeep(yaml, limit: Self.maxNesting) {
            report(firstLine - 1 + deep, "front matter is nested too deeply")
            return fm
        }
        let root: Node?
        do {
            root = try YAMLDiagnostics.compose(yaml, lineOffset: firstLine - 1)
        } catch {
            report(firstLine - 1 + error.line, "bad front matter: \(error.message)")
            return fm
        }
        var seen: Set<String> = []
        if let root, root.null == nil {
            guard let mapping = root.mapping else {
                report(line(root), "front matter must be YAML keys and values (id: …, title: …)")
                return fm
            }
            for (keyNode, value) in mapping {
                let at = line(keyNode)
                guard let key = keyNode.scalar?.string else {
                    report(at, "front matter keys must be plain words")
                    continue
                }
                seen.insert(key)
                switch key {
                case "id":
                    fm.idLine = at
                    guard let text = scalarText(value) else {
                        report(at, "id must be a single word, like restore-from-backup")
                        continue
                    }
                    if text.isEmpty {
                        report(at, "empty id")
                    } else {
                        fm.id = text
                        if !isSlug(text) { report(at, "invalid id \(quote(text)): use lowercase letters, digits and dashes") }
                    }
                case "title":
                    guard let text = scalarText(value) else {
                        report(at, "title must be text")
                        continue
                    }
                    if text.isEmpty { report(at, "empty title") } else { fm.title = text }
                case "severities":
                    guard let items = list(value) else {
                        report(at, "severities must be a list of levels, like [L1, L2]")
                        continue
                    }
                    if items.isEmpty { report(at, "severities is empty: list the levels it applies to, like [L1, L2]") }
                    for item in items {
                        guard let text = scalarText(item) else {
                            report(line(item), "severities must be a list of levels, like [L1, L2]")
                            continue
                        }
                        if let severity = Severity(parsing: text) {
                            if !fm.severities.contains(severity) { fm.severities.append(severity) }
                        } else {
                            report(line(item), "unknown severity \(quote(text)): use \(Severity.spellings)")
                        }
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
                        if !fm.tags.contains(tag) { fm.tags.append(tag) }
                    }
                case "targets":
                    if value.null != nil { continue }
                    guard let targets = value.mapping else {
                        report(at, "targets must map milestones to minutes, like {recovered: 120}")
                        continue
                    }
                    for (nameNode, minutesNode) in targets {
                        let at = line(nameNode)
                        guard let name = nameNode.scalar?.string else {
                            report(at, "targets must map milestones to minutes, like {recovered: 120}")
                            continue
                        }
                        if let problem = milestoneNameProblem(name) {
                            report(at, problem)
                            continue
                        }
                        guard let minutes = targetMinutes(minutesNode) else {
                            let raw = scalarText(minutesNode).map { " (got \(quote($0)))" } ?? ""
                            report(at, "target \(quote(name)) must be minutes, like 30, or a duration like 2h\(raw)")
                            continue
                        }
                        guard minutes > 0 else {
                            report(at, "target \(quote(name)) must be more than 0 minutes")
                            continue
                        }
                        fm.targets.append(Runbook.Target(milestone: name, minutes: minutes, line: at))
                    }
                default:
                    report(at, "unknown front matter key \(quote(key)) (known: \(keys.joined(separator: ", ")))")
                }
            }
        }
        fm.parsed = true
        if !seen.contains("id") { report(firstLine - 1, "missing id in front matter") }
        if !seen.contains("title") { report(firstLine - 1, "missing title in front matter") }
        if !seen.contains("severities") {
            report(firstLine - 1, "missing severities in front matter: list the levels it applies to, like [L1, L2]")
        }
        return fm
    }

    /// A scalar's text, trimmed; "" for an explicit null; nil for a list or mapping.
    private static func scalarText(_ node: Node) -> String? {
        if node.null != nil { return "" }
        return node.scalar?.string.trimmingSpaces
    }

    /// A sequence's items; a lone scalar counts as a list of one, since `severities: L1` is unambiguous.
    private static func list(_ node: Node) -> [Node]? {
        if node.null != nil { return [] }
        if let sequence = node.sequence { return Array(sequence) }
        if node.scalar != nil { return [node] }
        return nil
    }

    private static func targetMinutes(_ node: Node) -> Int? {
        guard let text = scalarText(node), !text.isEmpty else { return nil }
        if text.allSatisfy({ $0.isASCII && $0.isNumber }) {
            return text.count <= 6 ? Int(text) : nil
        }
        guard let seconds = DurationSyntax.seconds(text), seconds % 60 == 0 else { return nil }
        return seconds / 60
    }
}

/// `restore-from-backup`: lowercase ASCII letters and digits in dash-separated words.
func isSlug(_ text: String) -> Bool {
    guard let first = text.first, first != "-", text.last != "-" else { return false }
    return text.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
}

/// Why a milestone name is unusable, or nil if it is fine.
func milestoneNameProblem(_ name: String) -> String? {
    if name.isEmpty { return "empty milestone name" }
    if !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) {
        return "invalid milestone name \(quote(name)): use letters, digits, \"_\" and \"-\""
    }
    return nil
}

