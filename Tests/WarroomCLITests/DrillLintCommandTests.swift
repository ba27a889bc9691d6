import Foundation
import Testing
import WarroomTestSupport

/// The checkout these tests were compiled from, for the shipped `Runbooks/` and `Runbooks/drills/`.
private let repository = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Suite("warroom drill lint")
struct DrillLintCommandTests {
    @Test func shippedScenariosLintCleanFromTheRepository() throws {
        let result = try BuiltProduct.run("warroom", ["drill", "lint"], environment: ["WARROOM_WORKSPACE": repository.path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.hasSuffix("5 scenarios checked: no problems\n"), "\(result.stdout)")
        #expect(result.stderr == "")
    }

    @Test func aWorkspaceWithoutDrillsFallsBackToTheShippedOnes() throws {
        let dir = try makeTemporaryDirectory("warroom-drill")
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try BuiltProduct.run("warroom", ["drill", "lint"], environment: ["WARROOM_WORKSPACE": dir.path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout == "5 scenarios checked: no problems\n")
    }

    @Test func problemsArePrintedAsPathLineMessage() throws {
        let dir = try makeTemporaryDirectory("warroom-drill")
        defer { try? FileManager.default.removeItem(at: dir) }
        let drills = dir.appendingPathComponent("Runbooks/drills")
        try FileManager.default.createDirectory(at: drills, withIntermediateDirectories: true)
        try Data("""
            id: bad
            title: Bad
            runbooks: [lb-node-down, no-such-runbook]
            severity: L2
            injects:
              - T+0m alert: lb-03 down
              - 12m: forgot the T+
              - T+5m page: wrong kind

            """.utf8).write(to: drills.appendingPathComponent("bad.yaml"))
        try Data("# How to write drills\n".utf8).write(to: drills.appendingPathComponent("README.md"))

        // The workspace's Runbooks/ holds only drills here, so point at the shipped runbooks.
        let shipped = repository.appendingPathComponent("Runbooks").path
        let result = try BuiltProduct.run(
            "warroom", ["drill", "lint", "--runbooks", shipped], environment: ["WARROOM_WORKSPACE": dir.path])
        #expect(result.status == 1)
        let path = drills.path
        #expect(result.stdout == """
            \(path)/bad.yaml:3: unknown runbook "no-such-runbook" (known: host-upgrade-rollback, lb-node-down, major-incident, network-change-split-brain, storage-restore-from-backup)
            \(path)/bad.yaml:7: malformed offset "12m": use T+ and a duration, like T+12m or T+1h30m
            \(path)/bad.yaml:8: unknown inject kind "page" (known: alert, note, severity, unanswered)

            """, "\(result.stdout)")
        #expect(result.stderr == "3 problems in 1 scenario\n")
    }

    @Test func runbookIdsAreCheckedAgainstTheRunbooksOption() throws {
        let dir = try makeTemporaryDirectory("warroom-drill")
        defer { try? FileManager.default.removeItem(at: dir) }
        let runbooks = dir.appendingPathComponent("mine")
        try FileManager.default.createDirectory(at: runbooks, withIntermediateDirectories: true)
        try Data("---\nid: only-mine\ntitle: Mine\nseverities: [L1]\n---\n## Act\n- [ ] x\n".utf8)
            .write(to: runbooks.appendingPathComponent("mine.md"))
        let file = dir.appendingPathComponent("one.yaml")
        try Data("id: one\ntitle: One\nrunbooks: [only-mine, lb-node-down]\nseverity: L1\ninjects: [\"T+0m: go\"]\n".utf8)
            .write(to: file)
        let result = try BuiltProduct.run("warroom", ["drill", "lint", "--runbooks", runbooks.path, file.path])
        #expect(result.status == 1)
        #expect(result.stdout == "\(file.path):3: unknown runbook \"lb-node-down\" (known: only-mine)\n")
        #expect(result.stderr == "1 problem in 1 scenario\n")
    }

    @Test func missingPathsAreReported() throws {
        let result = try BuiltProduct.run("warroom", ["drill", "lint", "nope.yaml"])
        #expect(result.status == 1)
        #expect(result.stdout == "nope.yaml:1: no such file or directory\n")
    }
}
