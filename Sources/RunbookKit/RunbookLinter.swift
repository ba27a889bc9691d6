import Foundation
import IncidentCore
import YAMLDiagnostics

/// The runbooks read from a set of files, with every problem found in them.
public struct RunbookCatalog: Sendable {
    /// Every runbook that parsed far enough to have an id and a title, in file order.
    public var runbooks: [Runbook]
    /// Sorted by path, then line.
    public var problems: [LintProblem]
    /// The files that were read.
    public var files: [String]

    /// Runbooks whose files have no problems: only these are safe to put in front of a commander.
    public var usable: [Runbook] {
        let bad = Set(problems.map(\.path))
        return runbooks.filter { !bad.contains($0.sourcePath ?? "") }
    }

    /// The usable runbooks to attach to an incident of this severity and these tags.
    public func applicable(to severity: Severity, tags: [String] = []) -> [Runbook] {
        usable.filter { $0.applies(to: severity, tags: tags) }
    }
}

/// Checks runbook files: each on its own, then across files for duplicate ids.
public enum RunbookLinter {
    /// A file larger than this is not a runbook; refusing it keeps a stray log file from eating memory.
    public static let maxFileBytes = 1 << 20

    /// Every problem in the files named, or found under the directories named; empty when all is well.
    public static func lint(paths: [String]) -> [LintProblem] { load(paths: paths).problems }

    /// Reads and checks the files named, and the `*.md` files (except README.md) under the directories named.
    public static func load(paths: [String]) -> RunbookCatalog {
        var problems: [LintProblem] = []
        var sources: [(path: String, text: String)] = []
        let (files, missing) = runbookFiles(in: paths)
        problems += missing
        for file in files {
            switch SourceFiles.read(file, limit: maxFileBytes, what: "a runbook", limitText: "1 MiB") {
            case .success(let text): sources.append((file, text))
            case .failure(let problem): problems.append(problem)
            }
        }
        var catalog = check(sources: sources)
        catalog.files = files
        catalog.problems = SourceFiles.sorted(problems + catalog.problems, fileOrder: files)
        return catalog
    }

    /// Checks texts already in memory, as if each came from its path.
    public static func check(sources: [(path: String, text: String)]) -> RunbookCatalog {
        var problems: [LintProblem] = []
        var runbooks: [Runbook] = []
        var firstSeen: [String: (path: String, line: Int)] = [:]
        for source in sources {
            let result = RunbookParser.parseDetailed(text: source.text, path: source.path)
            problems += result.problems
            guard let runbook = result.runbook else { continue }
            runbooks.append(runbook)
            if let first = firstSeen[runbook.id] {
                problems.append(LintProblem(
                    path: source.path, line: result.idLine,
                    message: "duplicate runbook id \(quote(runbook.id)) (also in \(first.path):\(first.line))"))
            } else {
                firstSeen[runbook.id] = (source.path, result.idLine)
            }
        }
        return RunbookCatalog(
            runbooks: runbooks, problems: SourceFiles.sorted(problems, fileOrder: sources.map(\.path)),
            files: sources.map(\.path))
    }

    /// The files to check, in a stable order, and a problem for each path that does not exist.
    /// Hidden files and directories are skipped, as are README.md files, which document rather than plan.
    public static func runbookFiles(in paths: [String]) -> (files: [String], problems: [LintProblem]) {
        SourceFiles.find(in: paths) { $0.hasSuffix(".md") && $0 != "readme.md" }
    }
}
