import Foundation
import IncidentCore
import RunbookKit

/// The repository checkout these tests were compiled from, for the shipped `Runbooks/`.
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

let shippedRunbooksDirectory = repositoryRoot.appendingPathComponent("Runbooks").path

/// The front matter most fixtures share, so each test shows only what it is about.
func runbookText(
    front: String = "id: sample\ntitle: Sample\nseverities: [L1]",
    _ body: String
) -> String {
    "---\n\(front)\n---\n\(body)"
}

/// Parses fixture text, returning the problems as `path:line: message` strings.
func parse(_ text: String, path: String = "x.md") -> (Runbook?, [String]) {
    let (runbook, problems) = RunbookParser.parse(text: text, path: path)
    return (runbook, problems.map(\.description))
}

/// A fresh scratch directory for file-based tests.
func scratchDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("runbook-tests-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
