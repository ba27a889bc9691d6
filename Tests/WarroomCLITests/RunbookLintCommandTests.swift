import Foundation
import Testing
import WarroomTestSupport

/// The shipped runbooks, from the checkout these tests were compiled from.
private let shippedRunbooks = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Runbooks").path

private let badRunbook = """
    ---
    id: bad
    title: Bad
    severities: [L1, P0]
    ---
    ## Act
    - [ ] Restart <node> ⏱ 5 minutes
    """

/// Whether the built `warroom` lists the `runbook` command yet: the root command's list is edited separately,
/// and until it is these tests skip rather than fail everyone's `swift test`.
private let runbookCommandIsRegistered: Bool = {
    // Not `warroom runbook --help`: an unknown subcommand falls through to the default command's help.
    guard let help = try? BuiltProduct.run("warroom", ["--help"]) else { return false }
    return help.stdout.contains("\n  runbook ")
}()

@Suite("warroom runbook lint", .enabled(if: runbookCommandIsRegistered, "RunbookCommand is not yet in Warroom's subcommand list"))
struct RunbookLintCommandTests {
    @Test func shippedRunbooksLintCleanFromTheWorkspace() throws {
        let workspace = URL(fileURLWithPath: shippedRunbooks).deletingLastPathComponent().path
        let result = try BuiltProduct.run("warroom", ["runbook", "lint"], environment: ["WARROOM_WORKSPACE": workspace])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.hasSuffix("5 runbooks checked: no problems\n"))
    }

    @Test func problemsArePrintedAsPathLineMessage() throws {
        let dir = try makeTemporaryDirectory("warroom-runbook")
        defer { try? FileManager.default.removeItem(at: dir) }
        let runbooks = dir.appendingPathComponent("Runbooks")
        try FileManager.default.createDirectory(at: runbooks, withIntermediateDirectories: true)
        try Data(badRunbook.utf8).write(to: runbooks.appendingPathComponent("bad.md"))
        try Data("---\nid: bad\ntitle: Again\nseverities: [L2]\n---\n## P\n- [ ] x\n".utf8)
            .write(to: runbooks.appendingPathComponent("copy.md"))
        try Data("# How we write runbooks\n".utf8).write(to: runbooks.appendingPathComponent("README.md"))

        let path = runbooks.path
        let result = try BuiltProduct.run("warroom", ["runbook", "lint", path])
        #expect(result.status != 0)
        #expect(result.stdout == """
            \(path)/bad.md:4: unknown severity "P0": use L1, L2, L3, L4
            \(path)/bad.md:7: malformed timebox "5": use a duration like 30s, 5m, 1h or 1h30m
            \(path)/copy.md:2: duplicate runbook id "bad" (also in \(path)/bad.md:2)

            """)
        #expect(result.stderr == "3 problems in 2 runbooks\n")
    }

    /// Without paths, lint checks what incidents would attach: here, with no Runbooks/ in the workspace, the shipped set.
    @Test func workspaceWithoutRunbooksChecksTheShippedOnes() throws {
        let dir = try makeTemporaryDirectory("warroom-runbook")
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try BuiltProduct.run("warroom", ["runbook", "lint", "--workspace", dir.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "5 runbooks checked: no problems\n")
        let empty = try makeTemporaryDirectory("warroom-runbook")
        defer { try? FileManager.default.removeItem(at: empty) }
        let none = try BuiltProduct.run("warroom", ["runbook", "lint", "--workspace", dir.path, "--runbooks", empty.path])
        #expect(none.status != 0)
        #expect(none.stderr.contains("no runbooks (*.md) found in \(empty.path)"), "\(none.stderr)")
    }

    @Test func pathsAreShownAsGivenAndMissingOnesReported() throws {
        let dir = try makeTemporaryDirectory("warroom-runbook")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(badRunbook.utf8).write(to: dir.appendingPathComponent("bad.md"))
        let result = try BuiltProduct.run("warroom", ["runbook", "lint", "--workspace", dir.path, "nope.md", dir.path + "/bad.md"])
        #expect(result.status != 0)
        #expect(result.stdout.hasPrefix("nope.md:1: no such file or directory\n\(dir.path)/bad.md:4: "))
    }

    @Test func controlCharactersInProblemsAreNeutralised() throws {
        let dir = try makeTemporaryDirectory("warroom-runbook")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("evil.md")
        try Data("---\nid: evil\ntitle: E\nseverities: [\"L1\\e[2J\"]\n---\n## P\n- [ ] x\n".utf8).write(to: file)
        let result = try BuiltProduct.run("warroom", ["runbook", "lint", file.path])
        #expect(result.status != 0)
        #expect(!result.stdout.contains("\u{1B}"))
        #expect(result.stdout.contains("unknown severity \"L1␛[2J\""))
    }
}
