/// One thing wrong with a runbook file, printed `path:line: message` so editors and CI can jump to it.
public struct LintProblem: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    /// 1-based; problems with the file as a whole point at line 1.
    public var line: Int
    public var message: String

    public init(path: String, line: Int, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String { "\(path):\(line): \(message)" }
}
