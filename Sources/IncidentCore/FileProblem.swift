/// One thing wrong in a file a person wrote (a runbook, `warroom.yaml`, `contacts.yaml`, a template),
/// printed `path:line: message` so editors and CI can jump to it.
public struct FileProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    /// 1-based; problems with the file as a whole point at line 1.
    public var line: Int
    public var message: String

    public init(path: String, line: Int, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String { "\(path):\(line): \(message)" }
}

/// Guards YAML readers against inputs nested deep enough to exhaust the parser's stack.
public enum YAMLNesting {
    /// The first line at which brackets or leading block indicators nest deeper than `limit`, if any:
    /// a cheap upper bound on how deep a YAML parser would recurse, checked before parsing.
    public static func firstLineTooDeep(_ yaml: String, limit: Int) -> Int? {
        var depth = 0
        var lineNumber = 1
        var lead = 0
        var inLead = true
        for c in yaml.unicodeScalars {
            switch c {
            case "\n":
                lineNumber += 1
                lead = 0
                inLead = true
                continue
            case "[", "{": depth += 1
            case "]", "}": depth = max(0, depth - 1)
            default: break
            }
            if inLead {
                if c == " " || c == "-" || c == "?" || c == ":" || c == "\t" { lead += 1 } else { inLead = false }
            }
            if depth > limit || lead > 2 * limit { return lineNumber }
        }
        return nil
    }
}
