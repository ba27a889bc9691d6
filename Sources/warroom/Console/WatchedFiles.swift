import Foundation

/// A cheap fingerprint of files the console read at start (contacts.yaml, the runbooks), so an edit made while the
/// console is open reaches it without a restart. Only names, sizes and modification times are read, never contents.
struct WatchedFiles: Sendable {
    /// Files or directories; directories are walked for `extensions`.
    let paths: @Sendable () -> [String]
    var extensions: Set<String> = ["md", "yaml", "yml"]

    /// Changes whenever a watched file is added, removed, resized or rewritten.
    func fingerprint() -> String {
        let fm = FileManager.default
        var parts: [String] = []
        for path in paths() {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                parts.append("\(path) missing")
                continue
            }
            guard isDirectory.boolValue else {
                parts.append(Self.stamp(path))
                continue
            }
            let files = (fm.enumerator(atPath: path)?.allObjects as? [String] ?? [])
                .filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) }
                .sorted()
            parts += files.map { Self.stamp((path as NSString).appendingPathComponent($0)) }
        }
        return parts.joined(separator: "\n")
    }

    private static func stamp(_ path: String) -> String {
        let attributes = (try? FileManager.default.attributesOfItem(atPath: path)) ?? [:]
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let size = (attributes[.size] as? NSNumber)?.intValue ?? -1
        return "\(path) \(size) \(modified)"
    }
}
