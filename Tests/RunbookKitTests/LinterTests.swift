import Foundation
import IncidentCore
import RunbookKit
import Testing

@Suite("runbook linter: files")
struct LinterTests {
    private func write(_ text: String, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    @Test func duplicateIDsAcrossFiles() {
        let text = runbookText(front: "id: same\ntitle: A\nseverities: [L1]", "## P\n- [ ] x\n")
        let catalog = RunbookLinter.check(sources: [("a.md", text), ("b.md", text), ("c.md", text)])
        #expect(catalog.problems.map(\.description) == [
            "b.md:2: duplicate runbook id \"same\" (also in a.md:2)",
            "c.md:2: duplicate runbook id \"same\" (also in a.md:2)",
        ])
        #expect(catalog.runbooks.count == 3)
        #expect(catalog.usable.map(\.sourcePath) == ["a.md"])
    }

    @Test func walksDirectoriesForMarkdownExceptReadmes() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = runbookText(front: "id: one\ntitle: One\nseverities: [L1]", "## P\n- [ ] x\n")
        try write(good, to: dir.appendingPathComponent("one.md"))
        try write(good.replacingOccurrences(of: "id: one", with: "id: two"), to: dir.appendingPathComponent("team/two.md"))
        try write("not a runbook", to: dir.appendingPathComponent("README.md"))
        try write("not a runbook", to: dir.appendingPathComponent("team/readme.md"))
        try write("not a runbook", to: dir.appendingPathComponent("notes.txt"))
        try write("not a runbook", to: dir.appendingPathComponent(".drafts/wip.md"))
        let catalog = RunbookLinter.load(paths: [dir.path])
        #expect(catalog.problems == [])
        #expect(catalog.files == [dir.path + "/one.md", dir.path + "/team/two.md"])
        #expect(catalog.runbooks.map(\.id) == ["one", "two"])
    }

    @Test func duplicateIDsAcrossDirectoriesOnDisk() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = runbookText(front: "id: dup\ntitle: A\nseverities: [L1]", "## P\n- [ ] x\n")
        try write(text, to: dir.appendingPathComponent("a/first.md"))
        try write(text, to: dir.appendingPathComponent("b/second.md"))
        #expect(RunbookLinter.lint(paths: [dir.path + "/a", dir.path + "/b"]).map(\.description) == [
            dir.path + "/b/second.md:2: duplicate runbook id \"dup\" (also in \(dir.path)/a/first.md:2)",
        ])
    }

    @Test func fileLevelProblems() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let binary = dir.appendingPathComponent("binary.md")
        try Data([0x2D, 0x2D, 0x2D, 0x0A, 0xFF, 0xFE, 0x00]).write(to: binary)
        let readme = dir.appendingPathComponent("README.md")
        try write("# Not a runbook\n", to: readme)
        let problems = RunbookLinter.lint(paths: [dir.path + "/missing.md", binary.path, readme.path])
        #expect(problems.map(\.description) == [
            dir.path + "/missing.md:1: no such file or directory",
            binary.path + ":1: not UTF-8 text",
            // A README named explicitly is linted: the caller asked for it.
            readme.path + ":1: missing front matter: start the file with a \"---\" line, then id, title and severities, then \"---\"",
            readme.path + ":1: no steps: add \"- [ ] …\" items under a \"## Phase\" heading",
        ])
    }

    @Test func catalogOffersOnlyCleanMatchingRunbooks() {
        let generic = runbookText(front: "id: generic\ntitle: G\nseverities: [L1, L2]", "## P\n- [ ] x\n")
        let storage = runbookText(front: "id: storage\ntitle: S\nseverities: [L1]\ntags: [storage]", "## P\n- [ ] x\n")
        let broken = runbookText(front: "id: broken\ntitle: B\nseverities: [L1]", "## P\n- [x] x\n")
        let catalog = RunbookLinter.check(sources: [("g.md", generic), ("s.md", storage), ("b.md", broken)])
        #expect(catalog.applicable(to: .l1).map(\.id) == ["generic"])
        #expect(catalog.applicable(to: .l1, tags: ["storage"]).map(\.id) == ["generic", "storage"])
        #expect(catalog.applicable(to: .l3, tags: ["storage"]).isEmpty)
    }

    @Test func readmeExampleIsAValidRunbook() throws {
        let readme = try String(contentsOfFile: shippedRunbooksDirectory + "/README.md", encoding: .utf8)
        let start = try #require(readme.range(of: "````markdown\n"))
        let end = try #require(readme.range(of: "\n````", range: start.upperBound..<readme.endIndex))
        let example = String(readme[start.upperBound..<end.lowerBound])
        let (runbook, problems) = parse(example, path: "README example")
        #expect(problems == [])
        let r = try #require(runbook)
        #expect(r.targets.map(\.minutes) == [60, 120])
        let restore = try #require(r.step("start-restore"))
        #expect(restore.owner == "dba")
        #expect(restore.timeboxSeconds == 900)
        #expect(restore.milestone == "restore_started")
        #expect(restore.command?.hasPrefix("rsync -aHAX") == true)
        #expect(restore.notes == ["Tell comms the ETA; never promise it outside the incident."])
    }
}

@Suite("shipped runbooks")
struct ShippedRunbookTests {
    static let expectedIDs = [
        "host-upgrade-rollback", "lb-node-down", "major-incident", "network-change-split-brain",
        "storage-restore-from-backup",
    ]

    @Test func allLintClean() {
        let catalog = RunbookLinter.load(paths: [shippedRunbooksDirectory])
        #expect(catalog.problems.map(\.description) == [])
        #expect(catalog.runbooks.map(\.id) == Self.expectedIDs)
    }

    /// "Real and usable": every one has phases, owners on every step, timeboxes, targets, and commands.
    @Test(arguments: expectedIDs)
    func isComplete(_ id: String) throws {
        let catalog = RunbookLinter.load(paths: [shippedRunbooksDirectory])
        let runbook = try #require(catalog.runbooks.first { $0.id == id })
        #expect(runbook.phases.count >= 4)
        #expect(runbook.steps.allSatisfy { $0.owner != nil }, "every step has an owner")
        #expect(runbook.steps.allSatisfy { $0.timeboxSeconds != nil }, "every step has a timebox")
        #expect(runbook.targets.count >= 4)
        #expect(runbook.steps.filter { $0.command != nil }.count >= 5)
        #expect(runbook.severities.contains(.l1))
    }

    @Test func genericRunbookAttachesToEveryMajorIncident() throws {
        let catalog = RunbookLinter.load(paths: [shippedRunbooksDirectory])
        #expect(catalog.applicable(to: .l1).map(\.id) == ["major-incident"])
        #expect(catalog.applicable(to: .l2, tags: ["storage"]).map(\.id) == ["major-incident", "storage-restore-from-backup"])
        #expect(catalog.applicable(to: .l4).isEmpty)
    }

    @Test func storageRunbookFollowsTheReferenceIncident() throws {
        let catalog = RunbookLinter.load(paths: [shippedRunbooksDirectory])
        let runbook = try #require(catalog.runbooks.first { $0.id == "storage-restore-from-backup" })
        // The real outage: restore decided at 53 min, started at 63 min, recovered at 7 h 53 min.
        #expect(try #require(runbook.target(for: "restore_decision")).minutes < 53)
        #expect(try #require(runbook.target(for: "restore_started")).minutes < 63)
        #expect(try #require(runbook.target(for: "recovered")).minutes < 473)
        #expect(runbook.step(reaching: "integrity_verified")?.command?.contains("restic") == true)
    }
}
