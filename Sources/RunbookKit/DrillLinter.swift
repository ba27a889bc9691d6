import Foundation
import IncidentCore
import YAMLDiagnostics

/// The drill scenarios read from a set of files, with every problem found in them.
public struct DrillCatalog: Sendable {
    /// Every scenario that parsed far enough to have an id, a title, a severity and a runbook, in file order.
    public var scenarios: [DrillScenario]
    /// Sorted by path, then line.
    public var problems: [FileProblem]
    /// The files that were read.
    public var files: [String]
}

/// Checks drill scenario files: each on its own, then across files for duplicate ids, and against a runbook
/// catalog for runbook ids that do not exist.
public enum DrillLinter {
    /// Every problem in the files named, or found under the directories named; empty when all is well.
    /// With `runbooks`, every runbook a scenario names must be in it.
    public static func lint(paths: [String], runbooks: RunbookCatalog?) -> [FileProblem] {
        load(paths: paths, runbooks: runbooks).problems
    }

    /// Reads and checks the files named, and the `*.yaml`/`*.yml` files under the directories named.
    public static func load(paths: [String], runbooks: RunbookCatalog?) -> DrillCatalog {
        var problems: [FileProblem] = []
        var sources: [(path: String, text: String)] = []
        let (files, missing) = scenarioFiles(in: paths)
        problems += missing
        for file in files {
            switch SourceFiles.read(file, limit: DrillScenarioParser.maxBytes, what: "a drill scenario", limitText: "256 KiB") {
            case .success(let text): sources.append((file, text))
            case .failure(let problem): problems.append(problem)
            }
        }
        var catalog = check(sources: sources, runbooks: runbooks)
        catalog.files = files
        catalog.problems = SourceFiles.sorted(problems + catalog.problems, fileOrder: files)
        return catalog
    }

    /// Checks texts already in memory, as if each came from its path.
    public static func check(sources: [(path: String, text: String)], runbooks: RunbookCatalog?) -> DrillCatalog {
        var problems: [FileProblem] = []
        var scenarios: [DrillScenario] = []
        var firstSeen: [String: (path: String, line: Int)] = [:]
        // A runbook whose id is itself invalid is not one a scenario could name: leave it out of "known".
        let known = runbooks.map { Set($0.runbooks.map(\.id).filter(isSlug)) }
        for source in sources {
            let result = DrillScenarioParser.parseDetailed(text: source.text, path: source.path)
            problems += result.problems
            if let known {
                for (id, line) in result.runbookLines where !known.contains(id) {
                    problems.append(FileProblem(path: source.path, line: line, message: unknownRunbook(id, known: known)))
                }
            }
            guard let scenario = result.scenario else { continue }
            scenarios.append(scenario)
            if let first = firstSeen[scenario.id] {
                problems.append(FileProblem(
                    path: source.path, line: result.idLine,
                    message: "duplicate scenario id \(quote(scenario.id)) (also in \(first.path):\(first.line))"))
            } else {
                firstSeen[scenario.id] = (source.path, result.idLine)
            }
        }
        return DrillCatalog(
            scenarios: scenarios, problems: SourceFiles.sorted(problems, fileOrder: sources.map(\.path)), files: sources.map(\.path))
    }

    /// The files to check, in a stable order, and a problem for each path that does not exist.
    /// Hidden files and directories are skipped.
    public static func scenarioFiles(in paths: [String]) -> (files: [String], problems: [FileProblem]) {
        SourceFiles.find(in: paths) { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
    }

    private static func unknownRunbook(_ id: String, known: Set<String>) -> String {
        if known.isEmpty { return "unknown runbook \(quote(id)): no runbooks were found to check it against" }
        let names = known.sorted()
        let list = names.count <= 12 ? names.joined(separator: ", ") : names.prefix(12).joined(separator: ", ") + ", …"
        return "unknown runbook \(quote(id)) (known: \(list))"
    }
}
