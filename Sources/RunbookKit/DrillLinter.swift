import Foundation
import IncidentCore

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
            switch read(file) {
            case .success(let text): sources.append((file, text))
            case .failure(let problem): problems.append(problem)
            }
        }
        var catalog = check(sources: sources, runbooks: runbooks)
        catalog.files = files
        catalog.problems = sorted(problems + catalog.problems, fileOrder: files)
        return catalog
    }

    /// Checks texts already in memory, as if each came from its path.
    public static func check(sources: [(path: String, text: String)], runbooks: RunbookCatalog?) -> DrillCatalog {
        var problems: [FileProblem] = []
        var scenarios: [DrillScenario] = []
        var firstSeen: [String: (path: String, line: Int)] = [:]
        let known = runbooks.map { Set($0.runbooks.map(\.id)) }
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
            scenarios: scenarios, problems: sorted(problems, fileOrder: sources.map(\.path)), files: sources.map(\.path))
    }

    /// The files to check, in a stable order, and a problem for each path that does not exist.
    /// Hidden files and directories are skipped.
    public static func scenarioFiles(in paths: [String]) -> (files: [String], problems: [FileProblem]) {
        let fm = FileManager.default
        var files: [String] = []
        var problems: [FileProblem] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                problems.append(FileProblem(path: path, line: 1, message: "no such file or directory"))
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
                let lower = name.lowercased()
                guard lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") else { continue }
                let full = base.isEmpty ? relative : base + "/" + relative
                var dir: ObjCBool = false
                if fm.fileExists(atPath: full, isDirectory: &dir), !dir.boolValue { found.append(full) }
            }
            files += found.sorted()
        }
        var seen: Set<String> = []
        return (files.filter { seen.insert($0).inserted }, problems)
    }

    private static func unknownRunbook(_ id: String, known: Set<String>) -> String {
        if known.isEmpty { return "unknown runbook \(quote(id)): no runbooks were found to check it against" }
        let names = known.sorted()
        let list = names.count <= 12 ? names.joined(separator: ", ") : names.prefix(12).joined(separator: ", ") + ", …"
        return "unknown runbook \(quote(id)) (known: \(list))"
    }

    private static func read(_ path: String) -> Result<String, FileProblem> {
        do {
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
            if size > DrillScenarioParser.maxBytes {
                return .failure(FileProblem(
                    path: path, line: 1, message: "file is too large for a drill scenario (\(size) bytes; the limit is 256 KiB)"))
            }
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let text = String(data: data, encoding: .utf8) else {
                return .failure(FileProblem(path: path, line: 1, message: "not UTF-8 text"))
            }
            return .success(text)
        } catch {
            return .failure(FileProblem(path: path, line: 1, message: "cannot read the file: \(error.localizedDescription)"))
        }
    }

    private static func sorted(_ problems: [FileProblem], fileOrder: [String]) -> [FileProblem] {
        var rank: [String: Int] = [:]
        for (index, path) in fileOrder.enumerated() where rank[path] == nil { rank[path] = index }
        return problems.enumerated().sorted { a, b in
            let ra = rank[a.element.path] ?? -1, rb = rank[b.element.path] ?? -1
            return (ra, a.element.line, a.offset) < (rb, b.element.line, b.offset)
        }.map(\.element)
    }
}
