import Foundation
import IncidentCore

/// Everything the CLI writes to the terminal, made inert on the way out (`InertText`). Line feeds and tabs pass, as
/// the layout is ours; a field whose line breaks could fake another line is made inert on its own before layout.
enum CLIOutput {
    /// Standard output.
    static func print(_ text: String, terminator: String = "\n") {
        Swift.print(InertText.make(text, keepingLines: true), terminator: terminator)
    }

    /// Standard error, the text and a line feed.
    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((InertText.make(text, keepingLines: true) + "\n").utf8))
    }
}
