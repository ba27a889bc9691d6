import Foundation
import RunbookKit
import Testing

/// A malformed file and every problem the linter must print for it, exactly.
struct BadRunbook: CustomTestStringConvertible, Sendable {
    var name: String
    var text: String
    var expected: [String]
    var testDescription: String { name }
}

/// The default front matter takes lines 1–5, so fixture bodies start on line 6.
private func body(_ text: String) -> String { runbookText(text) }
private func front(_ yaml: String, _ rest: String = "## P\n- [ ] x\n") -> String { "---\n\(yaml)\n---\n\(rest)" }

let badRunbooks: [BadRunbook] = [
    // Front matter
    BadRunbook(
        name: "no front matter", text: "## P\n- [ ] x\n",
        expected: ["t.md:1: missing front matter: start the file with a \"---\" line, then id, title and severities, then \"---\""]),
    BadRunbook(
        name: "front matter not closed", text: "---\nid: a\ntitle: A\n## P\n- [ ] x\n",
        expected: ["t.md:1: front matter is not closed: add a \"---\" line after it"]),
    BadRunbook(
        name: "invalid YAML", text: front("id: a\ntitle: [unclosed\nseverities: [L1]"),
        expected: ["t.md:4: bad front matter: did not find expected ',' or ']' (while parsing a flow sequence that starts on line 3)"]),
    BadRunbook(
        name: "tab-indented YAML", text: front("id: a\ntitle: A\nseverities:\n\t- L1"),
        expected: ["t.md:5: bad front matter: tab character: indent YAML with spaces"]),
    BadRunbook(
        name: "YAML value with a colon", text: front("id: a\ntitle: Restore: from backup\nseverities: [L1]"),
        expected: ["t.md:3: bad front matter: a value contains \": \"; put the value in quotes"]),
    BadRunbook(
        name: "duplicate YAML key", text: front("id: a\nid: b\ntitle: A\nseverities: [L1]"),
        expected: ["t.md:2: bad front matter: duplicate key \"id\""]),
    BadRunbook(
        name: "front matter is a list", text: front("- id\n- title"),
        expected: ["t.md:2: front matter must be YAML keys and values (id: …, title: …)"]),
    BadRunbook(
        name: "empty front matter", text: front(""),
        expected: [
            "t.md:1: missing id in front matter",
            "t.md:1: missing title in front matter",
            "t.md:1: missing severities in front matter: list the levels it applies to, like [L1, L2]",
        ]),
    BadRunbook(
        name: "typo in a key", text: front("id: a\ntitle: A\nseverity: L1"),
        expected: [
            "t.md:1: missing severities in front matter: list the levels it applies to, like [L1, L2]",
            "t.md:4: unknown front matter key \"severity\" (known: id, title, severities, tags, targets)",
        ]),
    BadRunbook(
        name: "unknown severity", text: front("id: a\ntitle: A\nseverities: [L1, P1, sev0]"),
        expected: [
            "t.md:4: unknown severity \"P1\": use L1, L2, L3, L4",
            "t.md:4: unknown severity \"sev0\": use L1, L2, L3, L4",
        ]),
    BadRunbook(
        name: "severities on their own lines", text: front("id: a\ntitle: A\nseverities:\n  - L1\n  - L5"),
        expected: ["t.md:6: unknown severity \"L5\": use L1, L2, L3, L4"]),
    BadRunbook(
        name: "severities not a list", text: front("id: a\ntitle: A\nseverities: {L1: yes}"),
        expected: ["t.md:4: severities must be a list of levels, like [L1, L2]"]),
    BadRunbook(
        name: "empty severities", text: front("id: a\ntitle: A\nseverities: []"),
        expected: ["t.md:4: severities is empty: list the levels it applies to, like [L1, L2]"]),
    BadRunbook(
        name: "invalid id", text: front("id: Restore From Backup\ntitle: A\nseverities: [L1]"),
        expected: ["t.md:2: invalid id \"Restore From Backup\": use lowercase letters, digits and dashes"]),
    BadRunbook(
        name: "empty id and title", text: front("id:\ntitle: \"\"\nseverities: [L1]"),
        expected: ["t.md:2: empty id", "t.md:3: empty title"]),
    BadRunbook(
        name: "title is a list", text: front("id: a\ntitle: [a, b]\nseverities: [L1]"),
        expected: ["t.md:3: title must be text"]),
    BadRunbook(
        name: "tags not words", text: front("id: a\ntitle: A\nseverities: [L1]\ntags: [{a: 1}]"),
        expected: ["t.md:5: tags must be a list of words, like [storage, backup]"]),
    BadRunbook(
        name: "bad targets",
        text: front("id: a\ntitle: A\nseverities: [L1]\ntargets:\n  recovered: soon\n  zero: 0\n  bad name: 5\n  half: 90s"),
        expected: [
            "t.md:6: target \"recovered\" must be minutes, like 30, or a duration like 2h (got \"soon\")",
            "t.md:7: target \"zero\" must be more than 0 minutes",
            "t.md:8: invalid milestone name \"bad name\": use letters, digits, \"_\" and \"-\"",
            "t.md:9: target \"half\" must be minutes, like 30, or a duration like 2h (got \"90s\")",
        ]),
    BadRunbook(
        name: "targets not a mapping", text: front("id: a\ntitle: A\nseverities: [L1]\ntargets: [recovered]"),
        expected: ["t.md:5: targets must map milestones to minutes, like {recovered: 120}"]),
    BadRunbook(
        name: "front matter nested too deeply",
        text: front("id: a\ntitle: A\nseverities: [L1]\ntags: " + String(repeating: "[", count: 40)),
        expected: ["t.md:5: front matter is nested too deeply"]),

    // Milestones and targets
    BadRunbook(
        name: "milestone names no target, target reached by no step",
        text: front("id: a\ntitle: A\nseverities: [L1]\ntargets:\n  recovered: 60", "## P\n- [ ] x [milestone: restored]\n"),
        expected: [
            "t.md:6: target \"recovered\" is reached by no step: mark one with [milestone: recovered]",
            "t.md:9: milestone \"restored\" names no target (targets: recovered)",
        ]),
    BadRunbook(
        name: "milestone without any targets", text: body("## P\n- [ ] x\n  [milestone: done]\n"),
        expected: ["t.md:8: milestone \"done\" names no target (the front matter sets no targets)"]),
    BadRunbook(
        name: "milestone reached twice",
        text: front("id: a\ntitle: A\nseverities: [L1]\ntargets: {done: 5}", "## P\n- [ ] x [milestone: done]\n- [ ] y [milestone: done]\n"),
        expected: ["t.md:9: milestone \"done\" is already reached by the step at line 8"]),
    BadRunbook(
        name: "malformed milestone markers",
        text: body("## P\n- [ ] a [milestone: done\n- [ ] b [milestone: ]\n- [ ] c [milestone: two words]\n"),
        expected: [
            "t.md:7: malformed milestone marker: write [milestone: name]",
            "t.md:8: empty milestone marker: write [milestone: name]",
            "t.md:9: invalid milestone name \"two words\": use letters, digits, \"_\" and \"-\"",
        ]),
    BadRunbook(
        name: "two milestones on a step",
        text: front("id: a\ntitle: A\nseverities: [L1]\ntargets: {a: 5, b: 6}", "## P\n- [ ] x [milestone: a] [milestone: b]\n"),
        expected: [
            "t.md:5: target \"b\" is reached by no step: mark one with [milestone: b]",
            "t.md:8: step has more than one milestone",
        ]),

    // Structure
    BadRunbook(
        name: "no steps at all", text: body("## P\nJust prose.\n"),
        expected: [
            "t.md:1: no steps: add \"- [ ] …\" items under a \"## Phase\" heading",
            "t.md:6: phase \"P\" has no steps",
        ]),
    BadRunbook(
        name: "empty phase", text: body("## Assess\n## Act\n- [ ] x\n"),
        expected: ["t.md:6: phase \"Assess\" has no steps"]),
    BadRunbook(
        name: "empty phase title", text: body("##\n- [ ] x\n"),
        expected: ["t.md:6: empty phase title"]),
    BadRunbook(
        name: "step outside a phase", text: body("- [ ] x\n## P\n- [ ] y\n"),
        expected: ["t.md:6: step is outside a phase: add a \"## Phase\" heading above it"]),
    BadRunbook(
        name: "pre-checked step", text: body("## P\n- [x] done\n"),
        expected: ["t.md:7: step is already checked: a runbook is a template, write \"- [ ]\""]),
    BadRunbook(
        name: "malformed checkboxes", text: body("## P\n- [] a\n-[ ] b\n- [  ] c\n"),
        expected: [
            "t.md:7: malformed checkbox: write \"- [ ] text\"",
            "t.md:8: malformed checkbox: write \"- [ ] text\"",
            "t.md:9: malformed checkbox: write \"- [ ] text\"",
        ]),
    BadRunbook(
        name: "step with only markers", text: body("## P\n- [ ] @ic ⏱ 5m\n"),
        expected: ["t.md:7: step has no text"]),
    BadRunbook(
        name: "nested step", text: body("## P\n- [ ] a\n  - [ ] b\n"),
        expected: ["t.md:8: steps cannot nest: outdent this one to make it a step, or drop its checkbox to make it a note"]),

    // Timeboxes and owners
    BadRunbook(
        name: "malformed timeboxes",
        text: body("""
            ## P
            - [ ] a ⏱ 5x
            - [ ] b (timebox: five minutes)
            - [ ] c ⏱ 0m
            - [ ] d ⏱ 5m (timebox: 10m)
            - [ ] e (timebox: 5m
            - [ ] f ⏱ 1h30
            - [ ] g ⏱ 30m1h
            - [ ] h ⏱
            - [ ] i ⏱ 1.5h

            """),
        expected: [
            "t.md:7: malformed timebox \"5x\": use a duration like 30s, 5m, 1h or 1h30m",
            "t.md:8: malformed timebox \"five minutes\": use a duration like 30s, 5m, 1h or 1h30m",
            "t.md:9: timebox \"0m\" must be longer than zero",
            "t.md:10: step has more than one timebox",
            "t.md:11: malformed timebox marker: write (timebox: 5m)",
            "t.md:12: malformed timebox \"1h30\": use a duration like 30s, 5m, 1h or 1h30m",
            "t.md:13: malformed timebox \"30m1h\": use a duration like 30s, 5m, 1h or 1h30m",
            "t.md:14: malformed timebox \"\": use a duration like 30s, 5m, 1h or 1h30m",
            "t.md:15: malformed timebox \"1.5h\": use a duration like 30s, 5m, 1h or 1h30m",
        ]),
    BadRunbook(
        name: "two owners", text: body("## P\n- [ ] a @dba\n  @sre\n"),
        expected: ["t.md:8: step has more than one owner (@dba, @sre): name one role, write others without \"@\""]),

    // Code blocks and expectations
    BadRunbook(
        name: "unterminated code block", text: body("## P\n- [ ] a\n  ```sh\n  ls\n- [ ] b\n"),
        expected: ["t.md:8: unterminated code block: close it with a \"```\" line"]),
    BadRunbook(
        name: "unterminated tilde fence", text: body("## P\n- [ ] a\n  ~~~~\n  ls\n  ~~~\n"),
        expected: ["t.md:8: unterminated code block: close it with a \"~~~~\" line"]),
    BadRunbook(
        name: "code block not indented under its step", text: body("## P\n- [ ] a\n\n```sh\nls\n```\n"),
        expected: ["t.md:9: code block is not under a step: indent it to attach it to the step above"]),
    BadRunbook(
        name: "two code blocks on a step", text: body("## P\n- [ ] a\n  ```\n  ls\n  ```\n  ```\n  pwd\n  ```\n"),
        expected: ["t.md:11: step has more than one code block: split it into steps"]),
    BadRunbook(
        name: "empty code block", text: body("## P\n- [ ] a\n  ```sh\n  ```\n"),
        expected: ["t.md:8: empty code block"]),
    BadRunbook(
        name: "expectation not under a step", text: body("## P\n- [ ] a\n> expect: ok\n"),
        expected: ["t.md:8: expected result is not under a step: indent it under the step it belongs to"]),
    BadRunbook(
        name: "empty expectation", text: body("## P\n- [ ] a\n  > expect:\n"),
        expected: ["t.md:7: empty expected result"]),

    // Step ids
    BadRunbook(
        name: "bad and duplicate step ids",
        text: body("## P\n- [ ] a {#Bad_Id}\n- [ ] b {#1st}\n- [ ] c {#same}\n- [ ] d {#same}\n- [ ] e {#x} {#y}\n"),
        expected: [
            "t.md:7: invalid step id \"Bad_Id\": start with a letter, then lowercase letters, digits and dashes",
            "t.md:8: invalid step id \"1st\": start with a letter, then lowercase letters, digits and dashes",
            "t.md:10: duplicate step id \"same\" (also at line 9)",
            "t.md:11: step has more than one id",
        ]),

    // Many problems in one file are all reported, in line order.
    BadRunbook(
        name: "everything at once",
        text: front("id: a\ntitle: A\nseverities: [L9]\ntargets: {done: 5}", "- [ ] early\n## P\n- [ ] x ⏱ 5 @a @b\n## Q\n"),
        expected: [
            "t.md:4: unknown severity \"L9\": use L1, L2, L3, L4",
            "t.md:5: target \"done\" is reached by no step: mark one with [milestone: done]",
            "t.md:7: step is outside a phase: add a \"## Phase\" heading above it",
            "t.md:9: step has more than one owner (@a, @b): name one role, write others without \"@\"",
            "t.md:9: malformed timebox \"5\": use a duration like 30s, 5m, 1h or 1h30m",
            "t.md:10: phase \"Q\" has no steps",
        ]),
]

@Suite("runbook linter: malformed files")
struct LintTableTests {
    @Test(arguments: badRunbooks)
    func reportsExactly(_ bad: BadRunbook) {
        let (_, problems) = parse(bad.text, path: "t.md")
        #expect(problems == bad.expected)
    }

    @Test func theValidBaseFixtureIsClean() {
        #expect(parse(body("## P\n- [ ] x\n")).1 == [])
    }
}
