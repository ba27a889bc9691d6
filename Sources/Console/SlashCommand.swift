import Foundation
import IncidentCore

/// The slash commands of the command line. The parser switches over them and the help overlay lists them,
/// so a command cannot exist without help or help without a command.
public enum SlashCommand: String, Sendable, CaseIterable {
    case note, decision, action, sev, state, role, accept, decline, correct, at, declare, incident, help, quit
    case runbook, step
    case page, ack
    case broadcast
    case postmortem
    case endDrill = "end-drill"

    /// How to type it.
    public var usage: String {
        switch self {
        case .note: "/note TEXT"
        case .decision: "/decision TEXT"
        case .action: "/action TEXT"
        case .sev: "/sev L1-L4 REASON"
        case .state: "/state STATE [REASON] [--override REASON]"
        case .role: "/role ROLE NAME"
        case .accept: "/accept [ROLE]"
        case .decline: "/decline [ROLE]"
        case .correct: "/correct N TEXT"
        case .at: "/at TIME TEXT  or  /at TIME /COMMAND …"
        case .declare: "/declare L1-L4 TITLE"
        case .incident: "/incident [ID]"
        case .help: "/help"
        case .quit: "/quit"
        case .runbook: "/runbook ID"
        case .step: "/step done|skip|undo RUNBOOK:STEP [REASON]"
        case .page: "/page ROLE|NAME [--via phone|chat|webhook]"
        case .ack: "/ack ROLE|NAME"
        case .broadcast: "/broadcast [tactical|executive]"
        case .postmortem: "/postmortem"
        case .endDrill: "/end-drill"
        }
    }

    /// What it does, one line.
    public var help: String {
        switch self {
        case .note: "record a note (plain text does the same; //TEXT records a note starting with /)"
        case .decision: "record a decision"
        case .action: "record an action item"
        case .sev: "change the severity; a reason is required"
        case .state: "move the lifecycle; --override resolves an L1/L2 before its monitoring period is over"
        case .role: "offer a role (ic, deputy, scribe, comms, or any name) to NAME; it changes hands when NAME accepts"
        case .accept: "take the role offered to you (ROLE may be left out when one handoff is waiting)"
        case .decline: "refuse the role offered to you; its holder keeps it"
        case .correct: "amend entry #N; nothing is deleted (c on a timeline entry prefills this)"
        case .at: "backdate: 14:07, 14:07:30, 2026-11-23 14:07 or ISO 8601; works with any recording command"
        case .declare: "declare a new incident"
        case .incident: "show another incident; without an ID, open the picker"
        case .help: "show keys and commands"
        case .quit: "quit (asks first while the incident is active)"
        case .runbook: "attach a runbook by hand (matching ones attach on /declare and /sev)"
        case .step: "check, skip (a reason is required) or un-check a runbook step; STEP is its id or number"
        case .page: "page a role's next contact or a person: shows the number to call, records the page on y"
        case .ack: "record that a role (its latest page) or a person acknowledged"
        case .broadcast: "draft a status update from the incident's state to edit and send (b in the panes too)"
        case .postmortem: "write the postmortem to postmortems/INC-n.md from the timeline; closing needs one after resolution"
        case .endDrill: "end the drill now: no more scripted events; the score card is written and shown"
        }
    }
}

/// What a submitted command line asks for, before it is checked against the incident.
enum ConsoleIntent {
    /// `occurredAt` is set by `/at`; otherwise the entry happens now.
    case record(IncidentCommand, occurredAt: Date?)
    case declare(Declaration, occurredAt: Date?)
    /// `/runbook ID`: the model finds the runbook among those loaded.
    case attachRunbook(String, occurredAt: Date?)
    /// `/page ROLE|NAME`: the model prepares the page from the contacts and asks before recording it.
    case page(String, via: PageChannel?, occurredAt: Date?)
    /// `/broadcast [AUDIENCE]`: open a status-update draft (BroadcastDraft.swift).
    case broadcastDraft(Audience)
    /// `/postmortem`: the runner writes it (PostmortemRequest.swift).
    case postmortem
    /// `/end-drill`: the model asks first, then the runner ends the drill (DrillPane.swift).
    case endDrill
    case showIncident(String?)
    case help
    case quit
}

/// A command line that cannot be understood; the message says what to type instead.
struct CommandLineError: Error {
    var message: String
}

/// Turns a submitted line into an intent. Only the shape is checked here; the incident rules are `decide`'s.
enum CommandLineParser {
    static func parse(_ line: String, now: Date, timeZone: TimeZone) throws(CommandLineError) -> ConsoleIntent {
        let line = line.trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("//") { return .record(.note(String(line.dropFirst())), occurredAt: nil) }
        guard line.hasPrefix("/") else { return .record(.note(line), occurredAt: nil) }
        let (name, rest) = splitWord(String(line.dropFirst()))
        guard !name.isEmpty else { throw CommandLineError(message: "type a command after /, or /help for the list") }
        guard let command = SlashCommand(rawValue: name.lowercased()) else {
            throw CommandLineError(message: "unknown command /\(name); /help lists the commands")
        }
        switch command {
        case .note: return .record(.note(rest), occurredAt: nil)
        case .decision: return .record(.decision(rest), occurredAt: nil)
        case .action: return .record(.actionItem(rest), occurredAt: nil)
        case .sev:
            let (level, reason) = splitWord(rest)
            guard let severity = Severity(parsing: level) else { throw usage(command, "a level (\(Severity.spellings))") }
            return .record(.changeSeverity(to: severity, reason: reason), occurredAt: nil)
        case .state:
            let (name, tail) = splitWord(rest)
            guard let state = LifecycleState(parsing: name) else {
                throw usage(command, "a state (\(LifecycleState.spellings))")
            }
            var reason = tail
            var override: String?
            if let flag = overrideFlag(in: tail) {
                reason = String(tail[..<flag.lowerBound]).trimmingCharacters(in: .whitespaces)
                override = String(tail[flag.upperBound...]).trimmingCharacters(in: .whitespaces)
                if override!.isEmpty { throw CommandLineError(message: "--override needs a reason: /state resolved --override REASON") }
            }
            return .record(.changeState(to: state, reason: reason.isEmpty ? nil : reason, override: override), occurredAt: nil)
        case .role:
            let (role, holder) = splitWord(rest)
            guard !role.isEmpty else { throw usage(command, "a role and a name") }
            return .record(.assignRole(role: Role.canonical(role), holder: holder), occurredAt: nil)
        case .accept:
            return .record(.acceptRole(rest.isEmpty ? nil : rest), occurredAt: nil)
        case .decline:
            return .record(.declineRole(rest.isEmpty ? nil : rest), occurredAt: nil)
        case .correct:
            let (number, text) = splitWord(rest)
            guard let id = EventID(number.hasPrefix("#") ? String(number.dropFirst()) : number) else {
                throw usage(command, "the entry number")
            }
            return .record(.correct(id, text: text), occurredAt: nil)
        case .at:
            return try backdated(rest, now: now, timeZone: timeZone)
        case .declare:
            let (level, title) = splitWord(rest)
            guard let severity = Severity(parsing: level) else { throw usage(command, "a level (\(Severity.spellings)) and a title") }
            return try RunbookSlash.declaration(severity, title)
        case .incident:
            return .showIncident(rest.isEmpty ? nil : rest)
        case .help:
            return .help
        case .quit:
            return .quit
        case .runbook:
            return try RunbookSlash.attach(rest)
        case .step:
            return try RunbookSlash.step(rest)
        case .page:
            return try PagingSlash.page(rest)
        case .ack:
            return try PagingSlash.ack(rest)
        case .broadcast:
            guard let audience = rest.isEmpty ? .tactical : Audience(parsing: rest) else {
                throw usage(command, "nothing, or an audience (\(Audience.spellings))")
            }
            return .broadcastDraft(audience)
        case .postmortem:
            guard rest.isEmpty else { throw usage(command, "nothing after it (the CLI takes --output and --template)") }
            return .postmortem
        case .endDrill:
            return try DrillSlash.endDrill(rest)
        }
    }

    /// `/at TIME REST`: the time may be one word (`14:07`, ISO 8601) or a date and a clock time.
    private static func backdated(_ rest: String, now: Date, timeZone: TimeZone) throws(CommandLineError) -> ConsoleIntent {
        let (first, tail) = splitWord(rest)
        guard !first.isEmpty else { throw usage(.at, "a time and what happened") }
        var time: Date
        var what = tail
        do throws(TimeParseError) {
            time = try TimeExpression.parse(first, now: now, timeZone: timeZone)
        } catch {
            let (clock, afterClock) = splitWord(tail)
            guard !clock.isEmpty, let both = try? TimeExpression.parse(first + " " + clock, now: now, timeZone: timeZone) else {
                throw CommandLineError(message: error.description)
            }
            time = both
            what = afterClock
        }
        guard !what.isEmpty else { throw usage(.at, "something to record after the time") }
        switch try parse(what, now: now, timeZone: timeZone) {
        case .record(let command, nil): return .record(command, occurredAt: time)
        case .declare(let declaration, nil): return .declare(declaration, occurredAt: time)
        case .attachRunbook(let id, nil): return .attachRunbook(id, occurredAt: time)
        case .page(let target, let via, nil): return .page(target, via: via, occurredAt: time)
        case .record, .declare, .attachRunbook, .page: throw CommandLineError(message: "/at takes one time; remove the second /at")
        case .showIncident, .help, .quit: throw CommandLineError(message: "/at only applies to commands that record something")
        case .broadcastDraft: throw CommandLineError(message: "a status update goes out now; /at cannot backdate it")
        case .postmortem: throw CommandLineError(message: "a postmortem is written now; /at cannot backdate it")
        case .endDrill: throw CommandLineError(message: "a drill ends now; /at cannot backdate it")
        }
    }

    private static func usage(_ command: SlashCommand, _ needs: String) -> CommandLineError {
        CommandLineError(message: "/\(command.rawValue) needs \(needs): \(command.usage)")
    }

    /// The first word and the rest, both without surrounding blanks.
    private static func splitWord(_ text: String) -> (String, String) {
        let trimmed = text.drop(while: \.isWhitespace)
        guard let space = trimmed.firstIndex(where: \.isWhitespace) else { return (String(trimmed), "") }
        return (String(trimmed[..<space]), trimmed[space...].trimmingCharacters(in: .whitespaces))
    }

    /// `--override` as a word of its own.
    private static func overrideFlag(in text: String) -> Range<String.Index>? {
        var search = text.startIndex..<text.endIndex
        while let found = text.range(of: "--override", range: search) {
            let startsWord = found.lowerBound == text.startIndex || text[text.index(before: found.lowerBound)].isWhitespace
            let endsWord = found.upperBound == text.endIndex || text[found.upperBound].isWhitespace
            if startsWord && endsWord { return found }
            search = found.upperBound..<text.endIndex
        }
        return nil
    }
}
