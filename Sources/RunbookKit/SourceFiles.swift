import Foundation
import IncidentCore

/// Finding, reading and ordering the files the linters check; shared by runbooks and drill scenarios.
enum SourceFiles {
    /// The files to check, in a stable order, and a problem for each path that does not exist. Directories are
    /// searched recursively for names `accept` takes; hidden files and directories are skipped.
    static func find(in paths: [String], accept: (String) -> Bool) -> (files: [String], problems: [FileProblem]) {
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
                guard accept(name.lowercased()) else { continue }
                let full = base.isEmpty ? relative : base + "/" + relative
                var dir: ObjCBool = false
                if fm.fileExists(atPath: full, isDirectory: &dir), !dir.boolValue { found.append(full) }
            }
            files += found.sorted()
        }
        var seen: Set<String> = []
        return (files.filter { seen.insert($0).inserted }, problems)
    }

    /// Reads a UTF-8 file of at most `limit` bytes; `what` and `limitText` word the too-large message.
    static func read(_ path: String, limit: Int, what: String, limitText: String) -> Result<String, FileProblem> {
        do {
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
            if size > limit {
                return .failure(FileProblem(
                    path: path, line: 1, message: "file is too large for \(what) (\(size) bytes; the limit is \(limitText))"))
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

    /// Problems in the order of the files checked, then by line, keeping the order found within a line.
    static func sorted(_ problems: [FileProblem], fileOrder: [String]) -> [FileProblem] {
        var rank: [String: Int] = [:]
        for (index, path) in fileOrder.enumerated() where rank[path] == nil { rank[path] = index }
        return problems.enumerated().sorted { a, b in
            let ra = rank[a.element.path] ?? -1, rb = rank[b.element.path] ?? -1
            return (ra, a.element.line, a.offset) < (rb, b.element.line, b.offset)
        }.map(\.element)
    }
}
