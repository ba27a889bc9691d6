import ArgumentParser
import Foundation
import IncidentCore

/// How every `… lint` command reports: problems on standard output, a summary, exit 1 when there are any.
enum LintReport {
    /// `noun` names one checked file (`runbook`, `scenario`); `searched` says what was looked for (`runbooks (*.md)`).
    static func finish(problems: [FileProblem], files: [String], targets: [String], noun: String, searched: String) throws {
        for problem in problems {
            CLIOutput.print(InertText.make(problem.description))
        }
        let directoriesOnly = targets.allSatisfy { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
        if files.isEmpty, problems.isEmpty, directoriesOnly {
            throw CLIError("no \(searched) found in \(targets.joined(separator: ", "))")
        }
        let checked = files.count == 1 ? "1 \(noun)" : "\(files.count) \(noun)s"
        if problems.isEmpty {
            CLIOutput.print("\(checked) checked: no problems")
        } else {
            let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
            CLIOutput.printError("\(count) in \(checked)")
            throw ExitCode(1)
        }
    }
}
