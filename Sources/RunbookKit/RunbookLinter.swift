import Foundation
import IncidentCore

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
            switch read(file) {
            case .text(let text): sources.append((file, text))
            case .problem(let problem): problems.append(problem)
            }
        }
        var catalog = check(sources: sources)
        catalog.files = files
        catalog.problems = sortedProblems(problems + catalog.problems, fileOrder: files)
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
            runbooks: runbooks, problems: sortedProblems(problems, fileOrder: sources.map(\.path)),
            files: sources.map(\.path))
    }

    /// The files to check, in a stable order, and a problem for each path that does not exist.
    /// Hidden files and directories are skipped, as are README.md files, which document rather than plan.
    public static func runbookFiles(in paths: [String]) -> (files: [String], problems: [LintProblem]) {
        let fm = FileManager.default
        var files: [String] = []
        var problems: [LintProblem] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                problems.append(LintProblem(path: path, line: 1, message: "no such file or directory"))
                continue
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            var found: [String] = []
            let base = path.hasSuffix("/") ? String(path.dropLast()) : path
            for case let relative as String in fm.enumerator(atPath: path) ?? NSEnumerator() {
                let components = relative.split(separator: "/")
                guard let name = components.last, !components.contains(where: { $0.hasPrefix(".") }) else { continue }
                guard name.lowercased().hasSuffix(".md"), name.lowercased() != "readme.md" else { continue }
                let full = base.isEmpty ? relative : base + "/" + relative
                var dir: ObjCBool = false
                if fm.fileExists(atPath: full, isDirectory: &dir), !dir.boolValue { found.append(full) }
            }
            files += found.sorted()
        }
        var seen: Set<String> = []
        return (files.filter { seen.insert($0).inserted }, problems)
    }

    private enum Read { case text(String), problem(LintProblem) }

    private static func read(_ path: String) -> Read {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do {
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
            if size > maxFileBytes {
                return .problem(LintProblem(path: path, line: 1, message: "file is too large for a runbook (\(size) bytes; the limit is 1 MiB)"))
            }
            data = try Data(contentsOf: url)
        } catch {
            return .problem(LintProblem(path: path, line: 1, message: "cannot read the file: \(error.localizedDescription)"))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return .problem(LintProblem(path: path, line: 1, message: "not UTF-8 text"))
        }
        return .text(text)
    }

    private static func sortedProblems(_ problems: [LintProblem], fileOrder: [String]) -> [LintProblem] {
        var rank: [String: Int] = [:]
        for (index, path) in fileOrder.enumerated() where rank[path] == nil { rank[path] = index }
        return problems.enumerated().sorted { a, b in
            let ra = rank[a.element.path] ?? -1, rb = rank[b.element.path] ?? -1
            return (ra, a.element.line, a.offset) < (rb, b.element.line, b.offset)
        }.map(\.element)
    }
}
