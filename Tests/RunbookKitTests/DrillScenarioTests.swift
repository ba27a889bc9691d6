import Foundation
import IncidentCore
import RunbookKit
import Testing

private let shippedDrillsDirectory = repositoryRoot.appendingPathComponent("Runbooks/drills").path

/// A scenario with every required key, so each fixture shows only what it changes.
private func scenario(
    header: String = "id: drill\ntitle: Drill",
    runbooks: String = "runbooks: [storage-restore-from-backup]",
    injects: [String] = ["\"T+0m alert: storage offline\""]
) -> String {
    "\(header)\n\(runbooks)\nseverity: L2\ninjects:\n" + injects.map { "  - \($0)" }.joined(separator: "\n") + "\n"
}

/// A catalog holding only runbooks with these ids.
private func catalog(_ ids: [String]) -> RunbookCatalog {
    RunbookLinter.check(sources: ids.map { id in
        (path: "\(id).md", text: "---\nid: \(id)\ntitle: \(id)\nseverities: [L1]\n---\n## Act\n- [ ] do it\n")
    })
}

private func problems(_ text: String, runbooks: [String]? = ["storage-restore-from-backup"]) -> [String] {
    DrillLinter.check(sources: [(path: "d.yaml", text: text)], runbooks: runbooks.map(catalog)).problems.map(\.description)
}

@Suite("Drill scenario parser")
struct DrillScenarioParserTests {
    @Test func readsEveryElement() throws {
        let text = """
            # comment
            id: storage-nodes-offline
            title: Storage lost
            runbooks: [storage-restore-from-backup, major-incident]
            severity: l2
            tags: [Storage, backup, storage]
            injects:
              - T+0m alert: storage nodes offline
              - T+12m: restore from backup failing at 40%
              - "T+20m note: the vendor calls back: try the second copy"
              - T+25m severity: L1 the CFO says documents are gone
              - T+1h30m unanswered: dba on-call
              - T+1h30m5s note: done
            """
        let (parsed, found) = DrillScenarioParser.parse(text: text, path: "s.yaml")
        #expect(found.isEmpty, "\(found)")
        let s = try #require(parsed)
        #expect(s.id == "storage-nodes-offline")
        #expect(s.title == "Storage lost")
        #expect(s.runbooks == ["storage-restore-from-backup", "major-incident"])
        #expect(s.severity == .l2)
        #expect(s.tags == ["storage", "backup"])
        #expect(s.sourcePath == "s.yaml")
        #expect(s.injects == [
            .init(offsetSeconds: 0, kind: .alert, text: "storage nodes offline", line: 8),
            .init(offsetSeconds: 720, kind: .note, text: "restore from backup failing at 40%", line: 9),
            .init(offsetSeconds: 1200, kind: .note, text: "the vendor calls back: try the second copy", line: 10),
            .init(offsetSeconds: 1500, kind: .severity, text: "the CFO says documents are gone", severity: .l1, line: 11),
            .init(offsetSeconds: 5400, kind: .unanswered, text: "dba on-call", line: 12),
            .init(offsetSeconds: 5405, kind: .note, text: "done", line: 13),
        ])
        #expect(s.injects[3].scriptLine == "T+25m severity: L1 the CFO says documents are gone")
        #expect(s.injects[4].offsetText == "T+1h30m")
        #expect(s.injects[4].offset == .seconds(5400))
        #expect(s.injects[0].offsetText == "T+0m")
        #expect(s.injects[5].offsetText == "T+1h30m5s")
        #expect(s.scriptedLength == .seconds(5405))
    }

    @Test func roundTripsThroughJSON() throws {
        let (parsed, _) = DrillScenarioParser.parse(text: scenario(injects: ["T+5m severity: L1 why", "T+6m unanswered: dba"]), path: "a.yaml")
        let s = try #require(parsed)
        let decoded = try JSONDecoder().decode(DrillScenario.self, from: JSONEncoder().encode(s))
        #expect(decoded == s)
    }

    @Test(arguments: [
        // (file text, expected problems)
        ("", ["d.yaml:1: empty scenario: it needs id, title, runbooks, severity and injects"]),
        ("- a\n- b\n", ["d.yaml:1: a drill scenario must be YAML keys and values (id: …, title: …)"]),
        ("title: T\n", [
            "d.yaml:1: missing id", "d.yaml:1: missing runbooks", "d.yaml:1: missing severity", "d.yaml:1: missing injects",
        ]),
        ("id: Bad_Id\ntitle: T\nrunbooks: [storage-restore-from-backup]\nseverity: L2\ninjects: [\"T+0m: a\"]\n",
         ["d.yaml:1: invalid id \"Bad_Id\": use lowercase letters, digits and dashes"]),
        ("id: a\ntitle:\nrunbooks: [storage-restore-from-backup]\nseverity: L2\ninjects: [\"T+0m: a\"]\n",
         ["d.yaml:2: empty title"]),
        ("id: a\ntitle: T\nrunbooks: []\nseverity: L2\ninjects: [\"T+0m: a\"]\n",
         ["d.yaml:3: runbooks is empty: name the runbook ids the drill practises"]),
        ("id: a\ntitle: T\nrunbooks: [storage-restore-from-backup]\nseverity: P1\ninjects: [\"T+0m: a\"]\n",
         ["d.yaml:4: unknown severity \"P1\": use L1, L2, L3, L4"]),
        ("id: a\ntitle: T\nrunbooks: [storage-restore-from-backup]\nseverity: L2\ninjects: []\n",
         ["d.yaml:5: injects is empty: script at least one event, like T+0m alert: …"]),
        ("id: a\ntitle: T\nrunbooks: [storage-restore-from-backup]\nseverity: L2\ninjects: [\"T+0m: a\"]\nspeed: 10\n",
         ["d.yaml:6: unknown key \"speed\" (known: id, title, runbooks, severity, tags, injects)"]),
        ("id: a\ntitle: T\nrunbooks: [nope]\nseverity: L2\ninjects: [\"T+0m: a\"]\n",
         ["d.yaml:3: unknown runbook \"nope\" (known: storage-restore-from-backup)"]),
        ("id: a\nid: b\n", ["d.yaml:1: bad YAML: duplicate key \"id\""]),
        ("id: a\ntitle: T\n\tseverity: L1\n", ["d.yaml:3: bad YAML: tab character: indent YAML with spaces"]),
    ])
    func malformedFiles(text: String, expected: [String]) {
        #expect(problems(text) == expected)
    }

    /// A runbook whose own id is invalid is not offered as a known id: a scenario could never name it.
    @Test func knownRunbooksAreOnlyValidIds() {
        let text = "id: a\ntitle: T\nrunbooks: [nope]\nseverity: L2\ninjects: [\"T+0m: a\"]\n"
        #expect(problems(text, runbooks: ["storage-restore-from-backup", "Bad Id!"])
            == ["d.yaml:3: unknown runbook \"nope\" (known: storage-restore-from-backup)"])
    }

    @Test(arguments: [
        ("12m: a", "d.yaml:6: malformed offset \"12m\": use T+ and a duration, like T+12m or T+1h30m"),
        ("T-5m: a", "d.yaml:6: malformed offset \"T-5m\": use T+ and a duration, like T+12m or T+1h30m"),
        ("\"T+: a\"", "d.yaml:6: malformed offset \"T+\": use T+ and a duration, like T+12m or T+1h30m"),
        ("T+5: a", "d.yaml:6: malformed offset \"T+5\": use T+ and a duration, like T+12m or T+1h30m"),
        ("T+30m1h: a", "d.yaml:6: malformed offset \"T+30m1h\": use T+ and a duration, like T+12m or T+1h30m"),
        ("T+5m page: a", "d.yaml:6: unknown inject kind \"page\" (known: alert, note, severity, unanswered)"),
        ("T+5m note:", "d.yaml:6: empty text for the inject at T+5m"),
        ("\"T+5m alert:   \"", "d.yaml:6: empty text for the inject at T+5m"),
        ("T+5m severity: urgent", "d.yaml:6: severity inject must start with a level (L1, L2, L3, L4), like \"severity: L1 the CFO says payments are down\""),
        ("T+5m severity: L1", "d.yaml:6: severity inject needs a reason after L1: who is pushing, and why"),
        ("just words", "d.yaml:6: write injects as \"T+OFFSET KIND: text\", like \"T+12m note: restore failing at 40%\""),
        ("T+5m note extra: a", "d.yaml:6: write injects as \"T+OFFSET KIND: text\", like \"T+12m note: restore failing at 40%\""),
        ("[a, b]", "d.yaml:6: write injects as \"T+OFFSET KIND: text\", like \"T+12m note: restore failing at 40%\""),
        ("T+5m note: [a, b]", "d.yaml:6: inject text must be one line of text; put it in quotes"),
    ])
    func malformedInjects(inject: String, expected: String) {
        let text = scenario(injects: [inject])
        let found = problems(text)
        #expect(found == [expected], "\(text)")
        // An inject that is refused is left out, not guessed at.
        #expect(DrillScenarioParser.parse(text: text, path: "d.yaml").0?.injects == [])
    }

    @Test func offsetsOutOfOrderOrRepeatedAreRefused() {
        let text = scenario(injects: ["T+10m alert: a", "T+5m note: b", "T+10m note: c", "T+20m note: d"])
        #expect(problems(text) == [
            "d.yaml:7: inject at T+5m comes after T+10m (line 6): list injects in time order",
            "d.yaml:8: inject at T+10m has the same offset as line 6: give each inject its own time",
        ])
    }

    @Test func aValueWithAColonGetsAQuotingHint() {
        let text = scenario(injects: ["T+5m note: the vendor: calls back"])
        #expect(problems(text) == ["d.yaml:6: bad YAML: a value contains \": \"; put the whole inject or value in quotes"])
    }

    @Test func withoutACatalogRunbookIdsAreNotChecked() {
        #expect(problems(scenario(runbooks: "runbooks: [anything]"), runbooks: nil) == [])
        #expect(problems(scenario(runbooks: "runbooks: [anything]"), runbooks: []) ==
            ["d.yaml:3: unknown runbook \"anything\": no runbooks were found to check it against"])
    }

    @Test func duplicateScenarioIdsAcrossFiles() {
        let text = scenario()
        let result = DrillLinter.check(sources: [("a.yaml", text), ("b.yaml", text), ("c.yaml", text)], runbooks: nil)
        #expect(result.problems.map(\.description) == [
            "b.yaml:1: duplicate scenario id \"drill\" (also in a.yaml:1)",
            "c.yaml:1: duplicate scenario id \"drill\" (also in a.yaml:1)",
        ])
        #expect(result.scenarios.count == 3)
    }

    @Test func filesAreFoundAndMissingOnesReported() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try Data(scenario().utf8).write(to: dir.appendingPathComponent("b.yaml"))
        try Data(scenario(header: "id: other\ntitle: O").utf8).write(to: dir.appendingPathComponent("sub/a.yml"))
        try Data("# notes\n".utf8).write(to: dir.appendingPathComponent("README.md"))
        try Data("id: [\n".utf8).write(to: dir.appendingPathComponent(".hidden.yaml"))
        let missing = dir.appendingPathComponent("nope.yaml").path
        let result = DrillLinter.load(paths: [dir.path, missing], runbooks: catalog(["storage-restore-from-backup"]))
        #expect(result.files == [dir.path + "/b.yaml", dir.path + "/sub/a.yml"])
        #expect(result.problems.map(\.description) == ["\(missing):1: no such file or directory"])
        #expect(result.scenarios.map(\.id) == ["drill", "other"])
    }

    @Test func shippedScenariosLintCleanAgainstShippedRunbooks() throws {
        let runbooks = RunbookLinter.load(paths: [shippedRunbooksDirectory])
        #expect(runbooks.problems.isEmpty)
        let drills = DrillLinter.load(paths: [shippedDrillsDirectory], runbooks: runbooks)
        #expect(drills.problems.map(\.description) == [])
        // One scenario per shipped runbook, each realistic enough to practise against.
        let practised = Set(drills.scenarios.flatMap(\.runbooks))
        #expect(practised == Set(runbooks.runbooks.map(\.id)))
        for runbook in runbooks.runbooks {
            #expect(drills.scenarios.contains { $0.runbooks.first == runbook.id }, "no scenario leads with \(runbook.id)")
        }
        #expect(drills.scenarios.count == 5)
        for s in drills.scenarios {
            #expect((6...10).contains(s.injects.count), "\(s.id) has \(s.injects.count) injects")
            #expect(s.injects.contains { $0.kind == .severity }, "\(s.id) has no severity pressure")
            #expect(s.injects.contains { $0.kind == .unanswered }, "\(s.id) has no contact who never acknowledges")
            #expect(s.injects.first?.offsetSeconds == 0, "\(s.id) does not start at T+0m")
        }
    }

    @Test func runbookLintSkipsTheDrillsFolder() {
        let (files, _) = RunbookLinter.runbookFiles(in: [shippedRunbooksDirectory])
        #expect(!files.isEmpty)
        #expect(files.allSatisfy { !$0.contains("/drills/") }, "\(files)")
    }

    @Test func randomAndTruncatedInputNeverCrashes() throws {
        var generator = SeededGenerator(state: 0xD811_15)
        let shipped = try FileManager.default.contentsOfDirectory(atPath: shippedDrillsDirectory)
            .filter { $0.hasSuffix(".yaml") }.sorted()
            .map { try String(contentsOfFile: shippedDrillsDirectory + "/" + $0, encoding: .utf8) }
        let alphabet = Array("T+-0123456789hms: \n\t\"'[]{}#-,|>&*!%@`\\abcLl\u{85}\u{2028}\r é")
        var inputs: [String] = []
        for text in shipped {
            let scalars = Array(text.unicodeScalars)
            for _ in 0..<40 {
                let cut = Int.random(in: 0...scalars.count, using: &generator)
                inputs.append(String(String.UnicodeScalarView(scalars[..<cut])))
                var mutated = scalars
                for _ in 0..<4 {
                    let at = Int.random(in: 0..<mutated.count, using: &generator)
                    mutated[at] = alphabet.randomElement(using: &generator)!.unicodeScalars.first!
                }
                inputs.append(String(String.UnicodeScalarView(mutated)))
            }
        }
        for _ in 0..<200 {
            let length = Int.random(in: 0..<200, using: &generator)
            inputs.append(String((0..<length).map { _ in alphabet.randomElement(using: &generator)! }))
        }
        inputs.append(String(repeating: "[", count: 10_000))
        inputs.append(String(repeating: "- ", count: 10_000))
        for text in inputs {
            let (parsed, found) = DrillScenarioParser.parse(text: text, path: "f.yaml")
            let lineCount = text.split(separator: "\n", omittingEmptySubsequences: false).count
            for problem in found where problem.line < 1 || problem.line > max(1, lineCount) || problem.message.isEmpty {
                Issue.record("bad problem \(problem) for \(text.debugDescription)")
            }
            if found.isEmpty, parsed == nil { Issue.record("no problems but no scenario for \(text.debugDescription)") }
        }
    }
}
