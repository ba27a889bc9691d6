import ArgumentParser
import IncidentCore

/// `warroom correct`: amends an earlier entry without deleting it.
struct Correct: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Correct an earlier entry; the original stays on the timeline, marked as corrected."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var entry: EntryOptions

    @Argument(help: "The entry's number, as `warroom timeline` shows it (#12 or 12).")
    var entryID: String

    @Argument(help: "The corrected text.")
    var text: [String]

    func run() async throws {
        guard let id = EventID(entryID.hasPrefix("#") ? String(entryID.dropFirst()) : entryID) else {
            throw ValidationError("'\(InertText.make(entryID))' is not an entry number; use the #N that `warroom timeline` shows")
        }
        let event = try await global.record(.correct(id, text: text.joined(separator: " ")), entry: entry)
        CLIOutput.print("#\(event.id) \(event.incident) \(InertText.make(event.payload.summary))")
    }
}
