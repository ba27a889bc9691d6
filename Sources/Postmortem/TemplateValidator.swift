import Foundation
import IncidentCore

/// A problem in a postmortem template, printed `path:line: message`.
public typealias TemplateError = FileProblem

/// Checks every tag of a Mustache template against the variables it may use, before anything is rendered.
/// swift-mustache renders an unknown name as empty text, so a typo (`{{time.resolved}}`) would silently leave a
/// hole in the document; here it is an error naming the variable and its line.
///
/// Names resolve the way Mustache resolves them: through the sections open at that point, innermost first, so
/// `{{text}}` is known inside `{{#timeline}}` but not outside it.
enum TemplateValidator {
    /// Transforms swift-mustache applies, `name(variable)`: on text, lists and numbers, and on a list's position.
    static let transforms: Set<String> = [
        "capitalized", "lowercased", "uppercased", "reversed", "empty", "first", "last", "count", "sorted",
        "enumerated", "equalzero", "plusone", "minusone", "odd", "even", "index",
    ]

    /// What a name can see: the fields of an object or list row, or nothing of its own (a text or flag section).
    private struct Frame {
        var fields: [TemplateField]?
    }

    private struct OpenSection {
        var name: String
        var line: Int
        var pushesFrame: Bool
    }

    static func validate(_ text: String, path: String, root: [TemplateField]) throws(TemplateError) {
        let chars = Array(text)
        var open: [Character] = ["{", "{"], close: [Character] = ["}", "}"]
        var frames = [Frame(fields: root)]
        var sections: [OpenSection] = []
        var line = 1
        var i = 0

        func fail(_ message: String, at line: Int) -> TemplateError { TemplateError(path: path, line: line, message: message) }
        func matches(_ pattern: [Character], at index: Int) -> Bool {
            index + pattern.count <= chars.count && Array(chars[index..<index + pattern.count]) == pattern
        }

        while i < chars.count {
            if chars[i] == "\n" { line += 1; i += 1; continue }
            guard matches(open, at: i) else { i += 1; continue }
            let tagLine = line
            var j = i + open.count
            while j < chars.count, !matches(close, at: j) {
                if chars[j] == "\n" { line += 1 }
                j += 1
            }
            guard j < chars.count else { throw fail("this tag is never closed with '\(String(close))'", at: tagLine) }
            var content = String(chars[(i + open.count)..<j])
            i = j + close.count
            guard let sigil = content.first else { throw fail("empty tag '\(String(open))\(String(close))'", at: tagLine) }

            switch sigil {
            case "!":
                continue
            case "=":
                // `{{=<% %>=}}` switches the delimiters from here on.
                let inner = content.dropFirst().reversed().drop(while: \.isWhitespace).reversed()
                guard inner.last == "=" else { throw fail("a delimiter change is written {{=<% %>=}}", at: tagLine) }
                let parts = inner.dropLast().split(whereSeparator: \.isWhitespace)
                guard parts.count == 2 else { throw fail("a delimiter change is written {{=<% %>=}}", at: tagLine) }
                open = Array(parts[0])
                close = Array(parts[1])
                continue
            case "%":
                continue
            case ">", "<", "$":
                throw fail("partials and blocks ('\(String(open))\(content)\(String(close))') are not supported: put the text in the template itself", at: tagLine)
            case "{":
                // `{{{name}}}`: the third brace closes after the delimiter.
                if i < chars.count, chars[i] == "}" { i += 1 }
                content.removeFirst()
            case "&", "#", "^", "/":
                content.removeFirst()
            default:
                break
            }
            let raw = content.trimmingCharacters(in: .whitespaces)
            let (name, applied) = splitTransforms(raw)
            for transform in applied where !transforms.contains(transform) {
                throw fail("unknown transform '\(transform)' in '\(raw)'", at: tagLine)
            }
            if name.contains("*") {
                throw fail("dynamic names ('\(raw)') are not supported", at: tagLine)
            }

            if sigil == "/" {
                guard let last = sections.last else { throw fail("'\(String(open))/\(raw)\(String(close))' closes a section that is not open", at: tagLine) }
                guard last.name == raw else {
                    throw fail("'\(String(open))/\(raw)\(String(close))' closes '\(raw)', but the section open is '\(last.name)' (line \(last.line))", at: tagLine)
                }
                sections.removeLast()
                if last.pushesFrame { frames.removeLast() }
                continue
            }

            // A bare transform (`{{index()}}`) reads the list position, which needs no name.
            let node: TemplateNode?
            if name.isEmpty && !applied.isEmpty {
                node = .text("")
            } else {
                node = resolve(name, in: frames)
            }
            guard let node else { throw fail("unknown variable '\(name)'", at: tagLine) }

            switch sigil {
            case "#":
                var frame: Frame?
                if applied.isEmpty {
                    switch node {
                    case .object(_, let fields), .list(_, let fields): frame = Frame(fields: fields)
                    case .text: frame = Frame(fields: nil)
                    case .flag: frame = nil
                    }
                } else {
                    // A transformed value (`count(timeline)`) is a number or a flag: it adds no names.
                    frame = Frame(fields: nil)
                }
                if let frame { frames.append(frame) }
                sections.append(OpenSection(name: raw, line: tagLine, pushesFrame: frame != nil))
            case "^":
                sections.append(OpenSection(name: raw, line: tagLine, pushesFrame: false))
            default:
                if applied.isEmpty, name != "." {
                    switch node {
                    case .list: throw fail("'\(name)' is a list: use it as a section, {{#\(name)}}…{{/\(name)}}", at: tagLine)
                    case .object: throw fail("'\(name)' has fields: name one, such as {{\(name).\(node.fields?.first?.name ?? "field")}}", at: tagLine)
                    case .text, .flag: break
                    }
                }
            }
        }
        if let unclosed = sections.last {
            throw fail("section '\(unclosed.name)' is never closed", at: unclosed.line)
        }
    }

    /// `f(g(name))` → (`name`, [`f`, `g`]).
    static func splitTransforms(_ raw: String) -> (String, [String]) {
        var rest = Substring(raw)
        var applied: [String] = []
        while let paren = rest.firstIndex(of: "("), rest.hasSuffix(")") {
            applied.append(String(rest[..<paren]))
            rest = rest[rest.index(after: paren)..<rest.index(before: rest.endIndex)]
        }
        return (String(rest), applied)
    }

    /// What `name` refers to with these sections open; nil when nothing.
    private static func resolve(_ name: String, in frames: [Frame]) -> TemplateNode? {
        if name == "." { return .text("the current value") }
        // `.name` looks only at the innermost section; `a.b` finds `a` through the sections, then `b` inside it.
        let anchored = name.hasPrefix(".")
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).dropFirst(anchored ? 1 : 0).map(String.init)
        guard let head = parts.first, !head.isEmpty, !parts.contains("") else { return nil }
        let candidates = anchored ? [frames.last!] : frames.reversed()
        for frame in candidates {
            guard let fields = frame.fields, let found = fields.first(where: { $0.name == head }) else { continue }
            var node = found.node
            for part in parts.dropFirst() {
                guard case .object = node, let child = node.field(part) else { return nil }
                node = child
            }
            return node
        }
        return nil
    }
}
