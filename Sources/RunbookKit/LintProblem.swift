import IncidentCore

/// A problem in a runbook file, printed `path:line: message`.
public typealias LintProblem = FileProblem
