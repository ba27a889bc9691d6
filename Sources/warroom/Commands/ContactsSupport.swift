import Console
import ContactsKit
import Foundation
import IncidentCore

/// Reads the workspace's contacts file for the commands and the console.
enum ContactsSupport {
    /// The file as the console shows it: the book, or a short sentence for the pane and the message line.
    static func source(workspace: URL) -> ContactsSource {
        switch ContactsFile.load(workspace: workspace) {
        case .loaded(let book):
            return .loaded(book)
        case .missing:
            return .absent("No contacts.yaml in the workspace; see contacts.example.yaml.")
        case .invalid(_, let problems):
            let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
            return .invalid("contacts.yaml has \(count), so no contacts are loaded (warroom contacts lint): "
                            + InertText.make(problems.first.map { "line \($0.line): \($0.message)" } ?? ""))
        }
    }

    /// The book for a command that pages; a missing or broken file is an error naming what to fix.
    static func book(_ global: GlobalOptions) throws -> ContactBook {
        switch ContactsFile.load(workspace: global.workspaceURL) {
        case .loaded(let book):
            return book
        case .missing(let path):
            throw CLIError("no contacts file at \(path): copy contacts.example.yaml there and fill it in")
        case .invalid(let path, let problems):
            let list = problems.prefix(10).map { "  " + InertText.make($0.description) }.joined(separator: "\n")
            throw CLIError("\(path) has problems, so nobody can be paged from it (warroom contacts lint):\n\(list)")
        }
    }

    /// The book when the file is there and clean; read-only commands show what they can without it.
    static func optionalBook(_ global: GlobalOptions) -> ContactsLoad {
        ContactsFile.load(workspace: global.workspaceURL)
    }

    /// How to reach the contact of a page: the number or handle, their local time, and a vendor's ticket page.
    static func howToReach(_ proposal: PageProposal, now: Date, timeZone: TimeZone) -> String {
        let o = proposal.order
        var line = o.via == .phone ? "Call \(o.name): \(o.address)" : "Message \(o.name) on chat: \(o.address)"
        if let zone = proposal.contact.zone, zone.secondsFromGMT(for: now) != timeZone.secondsFromGMT(for: now) {
            line += " (\(TimeText(timeZone: zone).minute(now)) their time, \(zone.identifier))"
        }
        if let contract = o.contract { line += "\nQuote contract \(contract)" }
        if let url = proposal.contact.ticketURL { line += "\nOpen a ticket: \(url)" }
        return InertText.make(line)
    }

    /// A path relative to the current directory when under it, so terminals can open `contacts.yaml:12`.
    static func displayPath(_ path: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath
        let prefix = cwd.hasSuffix("/") ? cwd : cwd + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}
