import Foundation
import IncidentCore
import RunbookKit
import Testing

@Suite("runbook parser: elements")
struct ParserTests {
    @Test func frontMatter() throws {
        let text = """
            ---
            id: restore-from-backup
            title: Storage lost — restore
            severities: [L1, l2]
            tags: [Storage, backup]
            targets:
              restore_started: 60
              recovered: 2h
              verified: 1h30m
            ---
            ## Restore
            - [ ] Start [milestone: restore_started]
            - [ ] Verify [milestone: verified]
            - [ ] Recover [milestone: recovered]
            """
        let (runbook, problems) = parse(text, path: "Runbooks/r.md")
        #expect(problems == [])
        let r = try #require(runbook)
        #expect(r.id == "restore-from-backup")
        #expect(r.title == "Storage lost — restore")
        #expect(r.severities == [.l1, .l2])
        #expect(r.tags == ["storage", "backup"])
        #expect(r.targets == [
            Runbook.Target(milestone: "restore_started", minutes: 60, line: 7),
            Runbook.Target(milestone: "recovered", minutes: 120, line: 8),
            Runbook.Target(milestone: "verified", minutes: 90, line: 9),
        ])
        #expect(r.targets[1].duration == .seconds(7200))
        #expect(r.sourcePath == "Runbooks/r.md")
    }

    @Test func aSingleSeverityNeedsNoBrackets() throws {
        let (runbook, problems) = parse(runbookText(front: "id: a\ntitle: A\nseverities: L3", "## P\n- [ ] x\n"))
        #expect(problems == [])
        #expect(runbook?.severities == [.l3])
    }

    @Test func phasesAreLevelTwoHeadings() throws {
        let (runbook, problems) = parse(runbookText("""
            # Title, not a phase
            Intro prose is ignored.
            ## First ##
            - [ ] one
            ### A sub-heading stays in its phase
            - [ ] two
            ##   Second
            * [ ] three
            + [ ] four
            1. [ ] five
            """))
        #expect(problems == [])
        let r = try #require(runbook)
        #expect(r.phases.map(\.title) == ["First", "Second"])
        #expect(r.phases.map(\.line) == [8, 12])
        #expect(r.phases.map { $0.steps.map(\.text) } == [["one", "two"], ["three", "four", "five"]])
        #expect(r.steps.map(\.number) == [1, 2, 3, 4, 5])
        #expect(r.steps.map(\.line) == [9, 11, 13, 14, 15])
    }

    @Test func ownerAndTimeboxInTheStepText() throws {
        let (runbook, problems) = parse(runbookText("""
            ## P
            - [ ] Freeze the ops tool @storage ⏱ 5m
            - [ ] Page the vendor (timebox: 1h30m) now @vendor-liaison
            - [ ] With the emoji form ⏱️ 30s
            - [ ] Spaces optional ⏱2h
            """))
        #expect(problems == [])
        let steps = try #require(runbook).steps
        #expect(steps.map(\.text) == ["Freeze the ops tool", "Page the vendor now", "With the emoji form", "Spaces optional"])
        #expect(steps.map(\.owner) == ["storage", "vendor-liaison", nil, nil])
        #expect(steps.map(\.timeboxSeconds) == [300, 5400, 30, 7200])
        #expect(steps[0].timebox == .seconds(300))
    }

    @Test func markersOnIndentedLinesBelowTheStep() throws {
        let (runbook, problems) = parse(runbookText(
            front: "id: a\ntitle: A\nseverities: [L1]\ntargets: {started: 60}",
            """
            ## P
            - [ ] Start the restore
              @dba (timebox: 15m) [milestone: started]
            """))
        #expect(problems == [])
        let step = try #require(runbook?.steps.first)
        #expect(step.text == "Start the restore")
        #expect(step.owner == "dba")
        #expect(step.timeboxSeconds == 900)
        #expect(step.milestone == "started")
        #expect(runbook?.step(reaching: "started")?.line == step.line)
        #expect(runbook?.target(for: "started")?.minutes == 60)
    }

    @Test func commandBlockExpectAndNotes() throws {
        let (runbook, problems) = parse(runbookText("""
            ## P
            - [ ] Drain the node @sre ⏱ 5m
              ```bash
              kubectl drain <node> \\
                --ignore-daemonsets
              # a comment, not a heading
              - [ ] not a step either
              ```
              > expect: the node shows SchedulingDisabled
              > and no pods remain

              Tell comms before you start.
              It takes a while.
              - a sub-bullet is a note
              > a quote that is not an expectation
            - [ ] Next
              ~~~
              ipvsadm -Ln
              ~~~
            """))
        #expect(problems == [])
        let steps = try #require(runbook).steps
        #expect(steps.count == 2)
        #expect(steps[0].command == "kubectl drain <node> \\\n  --ignore-daemonsets\n# a comment, not a heading\n- [ ] not a step either")
        #expect(steps[0].commandLanguage == "bash")
        #expect(steps[0].expect == "the node shows SchedulingDisabled\nand no pods remain")
        #expect(steps[0].notes == ["Tell comms before you start. It takes a while.", "- a sub-bullet is a note", "a quote that is not an expectation"])
        #expect(steps[1].command == "ipvsadm -Ln")
        #expect(steps[1].commandLanguage == nil)
    }

    @Test func wrappedStepText() throws {
        let (runbook, problems) = parse(runbookText("""
            ## P
            - [ ] Watch 30 minutes of clean metrics,
              then declare recovered @ic
            lazily wrapped too ⏱ 30m

            Phase prose after a blank line is not part of the step.
            """))
        #expect(problems == [])
        let step = try #require(runbook?.steps.first)
        #expect(step.text == "Watch 30 minutes of clean metrics, then declare recovered lazily wrapped too")
        #expect(step.owner == "ic")
        #expect(step.timeboxSeconds == 1800)
        #expect(step.notes == [])
    }

    @Test func markersInInlineCodeAndEmailsAreText() throws {
        let (runbook, problems) = parse(runbookText("""
            ## P
            - [ ] Run `ssh admin@<host> "echo @root ⏱ [milestone: x]"` and mail oncall@example.com @ic
            """))
        #expect(problems == [])
        let step = try #require(runbook?.steps.first)
        #expect(step.text == "Run `ssh admin@<host> \"echo @root ⏱ [milestone: x]\"` and mail oncall@example.com")
        #expect(step.owner == "ic")
        #expect(step.timeboxSeconds == nil)
        #expect(step.milestone == nil)
    }

    @Test func stepIDs() throws {
        let (runbook, problems) = parse(runbookText("""
            ## P
            - [ ] Restore the newest snapshot to <node> right now, please
            - [ ] Check
            - [ ] Check
            - [ ] Check again {#check}
            - [ ] 回滚到上一个版本
            - [ ] 42
            - [ ] Résumé the job
            """))
        #expect(problems == [])
        let r = try #require(runbook)
        #expect(r.steps.map(\.id) == [
            "restore-the-newest-snapshot-to-node", "check-2", "check-3", "check", "step-5", "step-42", "resume-the-job",
        ])
        #expect(r.step("check")?.text == "Check again")
        #expect(r.step("2")?.id == "check-2")
        #expect(r.step("99") == nil)
        #expect(r.qualifiedID(of: r.steps[0]) == "sample:restore-the-newest-snapshot-to-node")
    }

    @Test func idsSurviveInsertingAStepAbove() throws {
        let before = parse(runbookText("## P\n- [ ] Drain\n- [ ] Reboot\n")).0!
        let after = parse(runbookText("## P\n- [ ] Announce\n- [ ] Drain\n- [ ] Reboot\n")).0!
        #expect(before.steps.map(\.id) == ["drain", "reboot"])
        #expect(after.steps.map(\.id) == ["announce", "drain", "reboot"])
    }

    @Test func lineEndingsAndByteOrderMark() throws {
        let unix = runbookText("## P\n- [ ] one @ic\n  ```\n  ls\n  ```\n- [ ] two\n")
        let windows = "\u{FEFF}" + unix.replacingOccurrences(of: "\n", with: "\r\n")
        let (a, pa) = parse(unix)
        let (b, pb) = parse(windows)
        #expect(pa == [] && pb == [])
        #expect(a == b)
        #expect(b?.steps[0].command == "ls")
        #expect(b?.steps.map(\.line) == [7, 11])
    }

    @Test func appliesBySeverityAndTags() {
        let generic = Runbook(id: "g", title: "G", severities: [.l1, .l2])
        let storage = Runbook(id: "s", title: "S", severities: [.l1], tags: ["storage", "backup"])
        #expect(generic.applies(to: .l1))
        #expect(generic.applies(to: .l2, tags: ["anything"]))
        #expect(!generic.applies(to: .l3))
        #expect(!storage.applies(to: .l1))
        #expect(storage.applies(to: .l1, tags: ["network", "Storage"]))
        #expect(!storage.applies(to: .l2, tags: ["storage"]))
    }

    @Test func codableRoundTrip() throws {
        let runbook = try #require(parse(runbookText(
            front: "id: a\ntitle: A\nseverities: [L2]\ntags: [x]\ntargets: {done: 5}",
            "## P\n- [ ] Do it @ic ⏱ 5m [milestone: done]\n  ```sh\n  true\n  ```\n  > expect: ok\n\n  note\n")).0)
        let data = try JSONEncoder().encode(runbook)
        #expect(try JSONDecoder().decode(Runbook.self, from: data) == runbook)
        let json = try #require(String(data: data, encoding: .utf8))
        #expect(json.contains("\"timeboxSeconds\":300"))
    }
}
