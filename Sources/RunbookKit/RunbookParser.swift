import Foundation
import IncidentCore
import YAMLDiagnostics

/// Reads a runbook file's text into a `Runbook`, collecting every problem rather than stopping at the first.
public enum RunbookParser {
    /// Never traps, whatever the text. The runbook comes back whenever the front matter names an id and a title,
    /// even alongside problems (the linter still needs its id); only a runbook without problems is fit to attach.
    public static func parse(text: String, path: String) -> (Runbook?, [LintProblem]) {
        let result = parseDetailed(text: text, path: path)
        return (result.runbook, result.problems)
    }

    struct Result {
        var runbook: Runbook?
        var problems: [LintProblem]
        var idLine: Int
    }

    static func parseDetailed(text: String, path: String) -> Result {
        var problems: [(line: Int, message: String)] = []
        func report(_ line: Int, _ message: String) { problems.append((line, message)) }

        var body = Substring(text)
        if body.first == "\u{FEFF}" { body = body.dropFirst() }
        let lines = splitLines(body)

        var front = FrontMatter()
        var bodyStart = 0
        var frontClosed = true
        if let first = lines.first, first.trimmingTrailingSpaces == "---" {
            if let close = lines.indices.dropFirst().first(where: {
                let l = lines[$0].trimmingTrailingSpaces
                return l == "---" || l == "..."
            }) {
                let yaml = lines[1..<close].joined(separator: "\n")
                front = FrontMatter.read(yaml, firstLine: 2, lastLine: close, report: report)
                bodyStart = close + 1
            } else {
                report(1, "front matter is not closed: add a \"---\" line after it")
                frontClosed = false
            }
        } else {
            report(1, "missing front matter: start the file with a \"---\" line, then id, title and severities, then \"---\"")
        }

        var phases: [Runbook.Phase] = []
        var drafts: [[StepDraft]] = []
        if frontClosed {
            var body = BodyParser(report: report)
            for index in bodyStart..<lines.count { body.feed(lines[index], line: index + 1) }
            body.finish()
            phases = body.phases
            drafts = body.steps
            if body.stepCount == 0 {
                report(1, "no steps: add \"- [ ] …\" items under a \"## Phase\" heading")
            }
        }

        // Ids: the author's {#id}s first, so a slug never takes a name an author chose.
        var taken: [String: Int] = [:]
        for draft in drafts.joined() {
            guard let (anchor, at) = draft.anchor else { continue }
            if !(isSlug(anchor) && anchor.first!.isLetter) {
                report(at, "invalid step id \(quote(anchor)): start with a letter, then lowercase letters, digits and dashes")
            } else if let other = taken[anchor] {
                report(at, "duplicate step id \(quote(anchor)) (also at line \(other))")
            } else {
                taken[anchor] = at
            }
        }
        var number = 0
        // Remembers where each slug's numbering got to, so a thousand "- [ ] Check" steps stay linear.
        var nextSuffix: [String: Int] = [:]
        var reached: [String: Int] = [:]
        for p in phases.indices {
            for draft in drafts[p] {
                number += 1
                var id: String
                if let (anchor, at) = draft.anchor, taken[anchor] == at {
                    id = anchor
                } else {
                    let base = slug(draft.joinedText) ?? "step-\(number)"
                    id = base
                    var suffix = nextSuffix[base, default: 2]
                    while taken[id] != nil {
                        id = "\(base)-\(suffix)"
                        suffix += 1
                    }
                    nextSuffix[base] = suffix
                    taken[id] = draft.line
                }
                if let (name, at) = draft.milestone {
                    if front.parsed, front.targets.first(where: { $0.milestone == name }) == nil {
                        let known = front.targets.map(\.milestone)
                        let hint = known.isEmpty ? "the front matter sets no targets" : "targets: " + known.joined(separator: ", ")
                        report(at, "milestone \(quote(name)) names no target (\(hint))")
                    }
                    if let other = reached[name] {
                        report(at, "milestone \(quote(name)) is already reached by the step at line \(other)")
                    } else {
                        reached[name] = draft.line
                    }
                }
                phases[p].steps.append(draft.step(id: id, number: number))
            }
        }
        if frontClosed {
            for target in front.targets where reached[target.milestone] == nil {
                report(target.line, "target \(quote(target.milestone)) is reached by no step: mark one with [milestone: \(target.milestone)]")
            }
        }

        var runbook: Runbook?
        if let id = front.id, let title = front.title {
            runbook = Runbook(
                id: id, title: title, severities: front.severities, tags: front.tags, targets: front.targets,
                phases: phases, sourcePath: path)
        }
        // Stable by line: problems found in later passes slot in where a reader meets them.
        let sorted = problems.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }
        return Result(
            runbook: runbook,
            problems: sorted.map { LintProblem(path: path, line: $0.element.line, message: $0.element.message) },
            idLine: front.idLine)
    }

    /// Lines split at LF and CRLF, as editors number them; a lone CR stays in its line. Splitting the UTF-8 view
    /// is several times faster than splitting Characters, which matters to the fuzz test's thousands of parses.
    static func splitLines(_ text: Substring) -> [Substring] {
        var lines: [Substring] = []
        var start = text.startIndex
        let utf8 = text.utf8
        var index = utf8.startIndex
        while index != utf8.endIndex {
            if utf8[index] == 0x0A {
                var end = index
                if end > start, utf8[utf8.index(before: end)] == 0x0D { end = utf8.index(before: end) }
                lines.append(text[start..<end])
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        lines.append(text[start..<text.endIndex])
        return lines
    }

    /// `Restore the newest snapshot to <node> now` → `restore-the-newest-snapshot-to-node`; nil when nothing ASCII is left.
    static func slug(_ text: String) -> String? {
        var words: [String] = []
        var word = ""
        // Folding first keeps accented words whole: "Résumé" → "resume", not "r-sum".
        let folded = text.utf8.allSatisfy { $0 < 0x80 } ? text : text.folding(options: .diacriticInsensitive, locale: nil)
        for c in folded.lowercased() {
            if let a = c.asciiValue, (a >= 0x61 && a <= 0x7A) || (a >= 0x30 && a <= 0x39) {
                word.append(c)
            } else if !word.isEmpty {
                words.append(word)
                word = ""
            }
        }
        if !word.isEmpty { words.append(word) }
        // Six words tell steps apart and stay typeable; the rest of the text is on screen anyway.
        var result = ""
        for w in words.prefix(6) {
            let next = result.isEmpty ? w : result + "-" + w
            if next.count > 40 { break }
            result = next
        }
        if result.isEmpty { result = words.first.map { String($0.prefix(40)) } ?? "" }
        guard let first = result.first else { return nil }
        // Digits first would read as a step number to Runbook.step(_:).
        return first.isLetter ? result : "step-" + result
    }
}

/// A step while its lines are still being read.
struct StepDraft {
    var line: Int
    var indent: Int
    var text: [String] = []
    var owner: String?
    var timebox: Int?
    var milestone: (String, Int)?
    var anchor: (String, Int)?
    var command: [String]?
    var commandLanguage: String?
    var expect: [String]?
    var notes: [String] = []

    var joinedText: String { text.filter { !$0.isEmpty }.joined(separator: " ") }

    func step(id: String, number: Int) -> Runbook.Step {
        Runbook.Step(
            id: id, number: number, text: joinedText, owner: owner,
            timeboxSeconds: timebox, command: command?.joined(separator: "\n"), commandLanguage: commandLanguage,
            expect: expect?.joined(separator: "\n"), milestone: milestone?.0, notes: notes, line: line)
    }
}

/// The Markdown after the front matter, one line at a time: `##` phases, `- [ ]` steps and what hangs off them.
struct BodyParser {
    let report: (Int, String) -> Void
    var phases: [Runbook.Phase] = []
    /// Parallel to `phases`.
    var steps: [[StepDraft]] = []
    /// Includes steps outside any phase, so a misplaced step is not also reported as "no steps".
    var stepCount = 0

    private var step: StepDraft?
    /// What the previous non-blank line added to the open step, to know what a following line continues.
    private enum Last { case text, note, expect, other }
    private var last: Last = .other
    private var blankSinceLast = false
    private struct Fence {
        var marker: Character
        var length: Int
        var indent: Int
        var line: Int
        var forStep: Bool
        var lines: [String] = []
    }
    private var fence: Fence?

    init(report: @escaping (Int, String) -> Void) { self.report = report }

    mutating func feed(_ raw: Substring, line: Int) {
        if var open = fence {
            if Self.closes(raw, open) {
                fence = nil
                if open.forStep, step != nil, step!.command == nil {
                    if open.lines.allSatisfy({ $0.trimmingSpaces.isEmpty }) {
                        report(open.line, "empty code block")
                    }
                    step!.command = open.lines
                }
                last = .other
            } else {
                open.lines.append(Self.dropIndent(raw, upTo: open.indent))
                fence = open
            }
            return
        }
        let (indent, content) = Self.split(raw)
        if content.isEmpty {
            blankSinceLast = true
            return
        }
        let blank = blankSinceLast
        blankSinceLast = false

        if step != nil {
            if indent > step!.indent {
                continueStep(content, indent: indent, line: line, afterBlank: blank)
                return
            }
            if !blank, last == .text, Self.isPlainText(content) {
                absorb(content, line: line, asNote: false)  // a lazily wrapped step line, as Markdown reads it
                return
            }
            closeStep()
            if Self.fenceOpening(content) != nil {
                report(line, "code block is not under a step: indent it to attach it to the step above")
            }
        }
        topLevel(content, indent: indent, line: line)
    }

    mutating func finish() {
        if let open = fence {
            report(open.line, "unterminated code block: close it with a \"\(String(repeating: open.marker, count: open.length))\" line")
            fence = nil
        }
        closeStep()
        for (index, phase) in phases.enumerated() where steps[index].isEmpty {
            report(phase.line, phase.title.isEmpty ? "phase has no steps" : "phase \(quote(phase.title)) has no steps")
        }
    }

    private mutating func topLevel(_ content: Substring, indent: Int, line: Int) {
        if let (marker, length, _) = Self.fenceOpening(content) {
            fence = Fence(marker: marker, length: length, indent: indent, line: line, forStep: false)
            return
        }
        if let (level, title) = Self.heading(content) {
            if level == 2 {
                if title.isEmpty { report(line, "empty phase title") }
                phases.append(Runbook.Phase(title: title, line: line))
                steps.append([])
            }
            return
        }
        if let item = Self.checkbox(content) {
            stepCount += 1
            if item.malformed { report(line, "malformed checkbox: write \"- [ ] text\"") }
            if item.checked { report(line, "step is already checked: a runbook is a template, write \"- [ ]\"") }
            if phases.isEmpty { report(line, "step is outside a phase: add a \"## Phase\" heading above it") }
            step = StepDraft(line: line, indent: indent)
            last = .text
            absorb(item.text, line: line, asNote: false)
            return
        }
        if Self.expectLine(content) != nil {
            report(line, "expected result is not under a step: indent it under the step it belongs to")
        }
    }

    private mutating func continueStep(_ content: Substring, indent: Int, line: Int, afterBlank: Bool) {
        if let (marker, length, info) = Self.fenceOpening(content) {
            if step!.command != nil {
                report(line, "step has more than one code block: split it into steps")
            } else {
                step!.commandLanguage = info.split(separator: " ").first.map(String.init)
            }
            fence = Fence(marker: marker, length: length, indent: indent, line: line, forStep: true)
            last = .other
            return
        }
        if Self.checkbox(content) != nil {
            report(line, "steps cannot nest: outdent this one to make it a step, or drop its checkbox to make it a note")
            absorb(content, line: line, asNote: true)
            last = .other
            return
        }
        if content.first == ">" {
            let quoted = Self.unquote(content)
            if let expect = Self.expectLine(content) {
                if expect.isEmpty, step!.expect == nil { step!.expect = [] } else { step!.expect = (step!.expect ?? []) + [expect] }
                last = .expect
            } else if last == .expect, !afterBlank {
                step!.expect!.append(quoted)
            } else {
                step!.notes.append(quoted)
                last = .other
            }
            return
        }
        if !afterBlank, last == .text, Self.isPlainText(content) {
            absorb(content, line: line, asNote: false)
        } else if !afterBlank, last == .note, Self.isPlainText(content), !step!.notes.isEmpty {
            absorb(content, line: line, asNote: true, joinLastNote: true)
        } else {
            absorb(content, line: line, asNote: true)
        }
    }

    /// Takes a line's markers onto the open step; the remaining text extends the step text or becomes a note.
    private mutating func absorb(_ content: Substring, line: Int, asNote: Bool, joinLastNote: Bool = false) {
        let m = StepMarkers.scan(content)
        for problem in m.problems { report(line, problem) }
        for owner in m.owners {
            if let current = step!.owner {
                report(line, "step has more than one owner (@\(current), @\(owner)): name one role, write others without \"@\"")
            } else {
                step!.owner = owner
            }
        }
        for (raw, seconds) in m.timeboxes {
            guard let seconds else {
                report(line, "malformed timebox \(quote(raw)): use a duration like 30s, 5m, 1h or 1h30m")
                continue
            }
            if seconds == 0 {
                report(line, "timebox \(quote(raw)) must be longer than zero")
            } else if step!.timebox != nil {
                report(line, "step has more than one timebox")
            } else {
                step!.timebox = seconds
            }
        }
        for name in m.milestones {
            if let problem = milestoneNameProblem(name) {
                report(line, problem == "empty milestone name" ? "empty milestone marker: write [milestone: name]" : problem)
            } else if step!.milestone != nil {
                report(line, "step has more than one milestone")
            } else {
                step!.milestone = (name, line)
            }
        }
        for anchor in m.anchors {
            if step!.anchor != nil {
                report(line, "step has more than one id")
            } else {
                step!.anchor = (anchor, line)
            }
        }
        if !asNote {
            step!.text.append(m.text)
            last = .text
        } else if !m.text.isEmpty {
            if joinLastNote { step!.notes[step!.notes.count - 1] += " " + m.text } else { step!.notes.append(m.text) }
            last = .note
        }
    }

    private mutating func closeStep() {
        guard let draft = step else { return }
        step = nil
        last = .other
        if draft.text.allSatisfy(\.isEmpty) { report(draft.line, "step has no text") }
        if let expect = draft.expect, expect.allSatisfy({ $0.trimmingSpaces.isEmpty }) {
            report(draft.line, "empty expected result")
        }
        if !phases.isEmpty { steps[steps.count - 1].append(draft) }
    }

    // MARK: Line shapes

    /// Leading indentation (a tab advances to the next multiple of 4) and the rest, without trailing spaces.
    static func split(_ raw: Substring) -> (Int, Substring) {
        var indent = 0
        var rest = raw[...]
        while let c = rest.first, c == " " || c == "\t" {
            indent = c == "\t" ? (indent / 4 + 1) * 4 : indent + 1
            rest = rest.dropFirst()
        }
        return (indent, rest.trimmingTrailingSpaces)
    }

    static func dropIndent(_ raw: Substring, upTo width: Int) -> String {
        var rest = raw[...]
        var dropped = 0
        while dropped < width, let c = rest.first, c == " " || c == "\t" {
            dropped = c == "\t" ? (dropped / 4 + 1) * 4 : dropped + 1
            rest = rest.dropFirst()
        }
        return String(rest.trimmingTrailingSpaces)
    }

    /// ```` ``` ```` or `~~~` (three or more), with the info string after it.
    static func fenceOpening(_ content: Substring) -> (Character, Int, Substring)? {
        guard let marker = content.first, marker == "`" || marker == "~" else { return nil }
        let length = content.prefix(while: { $0 == marker }).count
        guard length >= 3 else { return nil }
        let info = content.dropFirst(length).trimmingLeadingSpaces
        // CommonMark: a backtick fence's info string holds no backtick, else the line is inline code.
        if marker == "`", info.contains("`") { return nil }
        return (marker, length, info)
    }

    private static func closes(_ raw: Substring, _ fence: Fence) -> Bool {
        let content = split(raw).1
        let run = content.prefix(while: { $0 == fence.marker }).count
        return run >= fence.length && run == content.count
    }

    /// `## Title ##` → (2, "Title"); nil unless the hashes are followed by a space or the end of the line.
    static func heading(_ content: Substring) -> (Int, String)? {
        let level = content.prefix(while: { $0 == "#" }).count
        guard (1...6).contains(level) else { return nil }
        var rest = content.dropFirst(level)
        guard rest.isEmpty || rest.first == " " || rest.first == "\t" else { return nil }
        rest = rest.trimmingLeadingSpaces
        let closing = rest.reversed().prefix(while: { $0 == "#" }).count
        if closing > 0, closing == rest.count || rest.dropLast(closing).last == " " {
            rest = rest.dropLast(closing)
        }
        return (level, String(rest).trimmingSpaces)
    }

    struct Checkbox {
        var text: Substring
        var checked: Bool
        var malformed: Bool
    }

    /// `- [ ] text` (also `*`, `+`, `1.`); near misses such as `- [] text` or `-[ ] text` come back flagged
    /// so the author hears about them instead of losing the step.
    static func checkbox(_ content: Substring) -> Checkbox? {
        var rest = content[...]
        if let f = rest.first, f == "-" || f == "*" || f == "+" {
            rest = rest.dropFirst()
        } else {
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber }).count
            guard digits > 0, digits < 10 else { return nil }
            rest = rest.dropFirst(digits)
            guard let f = rest.first, f == "." || f == ")" else { return nil }
            rest = rest.dropFirst()
        }
        let spaced = rest.first == " " || rest.first == "\t"
        rest = rest.trimmingLeadingSpaces
        guard rest.first == "[", let close = rest.firstIndex(of: "]") else { return nil }
        let inside = rest[rest.index(after: rest.startIndex)..<close]
        let text = rest[rest.index(after: close)...].trimmingLeadingSpaces
        switch inside {
        case " ": return Checkbox(text: text, checked: false, malformed: !spaced)
        case "x", "X": return Checkbox(text: text, checked: true, malformed: !spaced)
        default:
            guard inside.allSatisfy({ $0 == " " || $0 == "\t" }) else { return nil }
            return Checkbox(text: text, checked: false, malformed: true)
        }
    }

    /// `> expect: text` → "text"; nil for any other line.
    static func expectLine(_ content: Substring) -> String? {
        guard content.first == ">" else { return nil }
        let quoted = unquote(content)
        guard quoted.lowercased().hasPrefix("expect:") else { return nil }
        return String(quoted.dropFirst(7)).trimmingSpaces
    }

    static func unquote(_ content: Substring) -> String {
        String(content.dropFirst().trimmingLeadingSpaces)
    }

    /// Text that may continue a paragraph: not the start of a heading, list item, quote or code block.
    static func isPlainText(_ content: Substring) -> Bool {
        if heading(content) != nil || fenceOpening(content) != nil || content.first == ">" { return false }
        if let f = content.first, f == "-" || f == "*" || f == "+" {
            let after = content.dropFirst().first
            if after == nil || after == " " || after == "\t" { return false }
        }
        if checkbox(content) != nil { return false }
        let digits = content.prefix(while: { $0.isASCII && $0.isNumber }).count
        if digits > 0, digits < 10 {
            let after = content.dropFirst(digits)
            if let f = after.first, f == "." || f == ")", after.dropFirst().first == " " { return false }
        }
        return true
    }
}

extension Substring {
    var trimmingTrailingSpaces: Substring {
        var s = self
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return s
    }

    var trimmingLeadingSpaces: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        return s
    }
}
