import Foundation
import IncidentCore
import RunbookKit
import Testing

/// SplitMix64: a fixed seed makes every fuzz failure reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The parser must never trap, and whatever it says must be well-formed.
private func checkInvariants(_ text: String, _ label: @autoclosure () -> String) {
    let path = "fuzz.md"
    let (runbook, problems) = RunbookParser.parse(text: text, path: path)
    let lineCount = text.unicodeScalars.filter { $0 == "\n" }.count + 1
    for problem in problems {
        if problem.path != path || problem.line < 1 || problem.line > lineCount || problem.message.isEmpty {
            Issue.record("bad problem \(problem) for \(label())")
            return
        }
    }
    if problems.isEmpty, runbook == nil {
        Issue.record("no problems but no runbook for \(label())")
    }
    if let runbook {
        var ids = Set<String>()
        for (index, step) in runbook.steps.enumerated() {
            if step.number != index + 1 || !ids.insert(step.id).inserted || step.line < 1 || step.line > lineCount {
                Issue.record("bad step \(step.id) #\(step.number) line \(step.line) for \(label())")
                return
            }
        }
    }
}

@Suite("runbook parser: fuzz")
struct FuzzTests {
    static let shipped: [(name: String, text: String)] = {
        let files = RunbookLinter.runbookFiles(in: [shippedRunbooksDirectory]).files
        return files.map { ($0, (try? String(contentsOfFile: $0, encoding: .utf8)) ?? "") }
    }()

    /// Pieces of the format and of the things that break parsers, so random text reaches the interesting paths.
    static let fragments: [String] = [
        "---", "---\n", "...", "\n", "\r\n", "\r", " ", "  ", "\t", "## ", "#", "###", "- [ ] ", "- [x] ", "- [] ",
        "* [ ]", "1. [ ] ", "@", "@dba", " @ic ", "⏱", "⏱️ ", "5m", "1h30m", "0m", "99999999999h", "(timebox:", ")",
        "(timebox: 5m)", "[milestone:", "]", "[milestone: recovered]", "{#", "}", "{#id}", "```", "```sh", "~~~",
        "````", "`", "``", "> ", "> expect:", "expect:", "id: a", "title: T", "severities: [L1]", "severities:",
        "targets:", "  recovered: 60", "tags: [", "[", "{", ":", "&a", "*a", "!!binary", "? ", "- - - ", "|", ">-",
        "\"", "'", "\\", "\u{0}", "\u{1B}[2J", "\u{FEFF}", "\u{301}", "é", "回滚", "🔥", "\u{200D}", "\u{2028}",
        String(repeating: "[", count: 50), String(repeating: "- ", count: 80), String(repeating: " ", count: 70),
    ]

    @Test func randomBytes() {
        var rng = SeededGenerator(state: 0x5EED_0001)
        for i in 0..<1500 {
            let count = Int.random(in: 0...300, using: &rng)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if i % 3 == 0 { bytes = Array("---\n".utf8) + bytes }
            checkInvariants(String(decoding: bytes, as: UTF8.self), "random bytes case \(i)")
        }
    }

    @Test func randomFragments() {
        var rng = SeededGenerator(state: 0x5EED_0002)
        for i in 0..<2500 {
            var text = i % 2 == 0 ? "---\nid: f\ntitle: F\nseverities: [L1]\n---\n## P\n" : ""
            for _ in 0..<Int.random(in: 0...40, using: &rng) {
                text += Self.fragments.randomElement(using: &rng)!
            }
            checkInvariants(text, "fragments case \(i): \(text.debugDescription)")
        }
    }

    /// Where an editor's autosave or a half-finished paste could cut a runbook: at every line end, at every
    /// character of the front matter, and inside each line just after every character that opens a marker,
    /// code span or fence, and at its middle. (Cutting at each of the ~27,000 characters takes tens of seconds
    /// in a debug build; these few thousand cuts reach the same parser states.)
    static func truncationPoints(_ text: String) -> [Int] {
        let characters = Array(text)
        var points: Set<Int> = [0, characters.count]
        var lineStart = 0
        var dashes = 0
        for (offset, c) in characters.enumerated() {
            if dashes < 2 { points.insert(offset) }
            if "([{`@⏱>~#-:".contains(c) || c.unicodeScalars.first?.value == 0x23F1 { points.insert(offset + 1) }
            if c == "\n" {
                if characters[lineStart..<offset].elementsEqual("---") { dashes += 1 }
                points.insert(offset)
                points.insert(offset + 1)
                points.insert((lineStart + offset) / 2)
                lineStart = offset + 1
            }
        }
        return points.sorted()
    }

    @Test func truncationsOfTheShippedRunbooks() throws {
        #expect(Self.shipped.count == 5)
        var cases = 0
        for (name, text) in Self.shipped {
            let characters = Array(text)
            for cut in Self.truncationPoints(text) {
                checkInvariants(String(characters[..<cut]), "\(name) cut after \(cut) characters")
                cases += 1
            }
        }
        #expect(cases > 3000)
    }

    /// Cuts inside multi-byte characters too, decoded as an editor would (with replacement characters).
    @Test func byteTruncationsOfTheShippedRunbooks() {
        var rng = SeededGenerator(state: 0x5EED_0004)
        for i in 0..<500 {
            let (name, text) = Self.shipped[i % Self.shipped.count]
            let bytes = Array(text.utf8)
            let cut = Int.random(in: 0...bytes.count, using: &rng)
            checkInvariants(String(decoding: bytes[..<cut], as: UTF8.self), "\(name) cut at byte \(cut)")
        }
    }

    /// Inputs built to make a careless parser quadratic: they must finish, with sensible answers.
    @Test func pathologicalInputsStayLinear() throws {
        let manySteps = runbookText("## P\n" + String(repeating: "- [ ] Check\n", count: 20_000))
        let (runbook, problems) = RunbookParser.parse(text: manySteps, path: "many.md")
        #expect(problems == [])
        #expect(runbook?.steps.last?.id == "check-20000")

        let openers = runbookText("## P\n- [ ] " + String(repeating: "(timebox:[milestone:{#", count: 150) + "\n")
        #expect(RunbookParser.parse(text: openers, path: "o.md").1.count == 300)

        let longLine = runbookText("## P\n- [ ] " + String(repeating: "`` `", count: 2_000) + "\n")
        #expect(RunbookParser.parse(text: longLine, path: "l.md").1.map(\.message) == ["line is too long (over 4000 characters)"])
    }

    @Test func lineMutationsOfTheShippedRunbooks() {
        var rng = SeededGenerator(state: 0x5EED_0003)
        for i in 0..<500 {
            let (name, text) = Self.shipped[i % Self.shipped.count]
            var lines = text.components(separatedBy: "\n")
            for _ in 0..<Int.random(in: 1...4, using: &rng) where !lines.isEmpty {
                let at = Int.random(in: 0..<lines.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: lines.remove(at: at)
                case 1: lines.insert(lines.randomElement(using: &rng)!, at: at)
                case 2: lines.swapAt(at, Int.random(in: 0..<lines.count, using: &rng))
                default: lines[at] = Self.fragments.randomElement(using: &rng)! + lines[at]
                }
            }
            checkInvariants(lines.joined(separator: "\n"), "\(name) mutation \(i)")
        }
    }
}
