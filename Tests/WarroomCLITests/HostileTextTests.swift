import Drills
import Foundation
import IncidentCore
import IncidentStore
import Testing
import WarroomTestSupport

/// Text written to take over a terminal or to hide and reorder itself: a title-setting OSC ended by BEL, a clear
/// screen, colour and the 8-bit CSI, DEL, backspace and carriage return, bidirectional overrides and isolates, and
/// zero-width characters.
enum Hostile {
    static let corpus = "\u{1B}]0;owned\u{07}\u{1B}[2J\u{1B}[31;1mred\u{9B}2J\u{7F}\u{08}\r\u{85}"
        + "\u{202E}desrever\u{202C}\u{2066}iso\u{2069}\u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF}end"

    /// `label` wrapped around the corpus, so each field can be told apart in a failure.
    static func text(_ label: String) -> String { "\(label) \(corpus) \(label)" }

    /// The corpus as a YAML double-quoted scalar, for files that YAML reads.
    static func yaml(_ text: String) -> String {
        var out = "\""
        for s in text.unicodeScalars {
            switch s {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where s.value < 0x20 || (0x7F...0x9F).contains(s.value) || (0x2000...0x206F).contains(s.value) || s.value == 0xFEFF:
                out += String(format: "\\u%04X", s.value)
            default: out.unicodeScalars.append(s)
            }
        }
        return out + "\""
    }

    /// Every character of the corpus that must never reach a terminal or a file as it is: C0 controls other than
    /// line feed and tab, DEL, C1 controls, bidirectional overrides and isolates, zero-width characters.
    static func raw(in text: String) -> [String] {
        text.unicodeScalars.filter { s in
            switch s.value {
            case 0x0A, 0x09: false
            case 0x00...0x1F, 0x7F...0x9F, 0x200B...0x200D, 0x202A...0x202E, 0x2060, 0x2066...0x2069, 0xFEFF: true
            default: false
            }
        }.map { String(format: "U+%04X", $0.value) }
    }

    /// The markers the corpus shows up as, one for each kind of character in it.
    static let markers = ["␛]0;owned␇", "␛[2J", "⟨U+009B⟩", "␡", "⟨U+202E⟩", "⟨U+2066⟩", "⟨U+200B⟩", "⟨U+FEFF⟩"]
}

/// One command that prints stored or user-given text, run against the hostile incident.
struct PrintingCommand: CustomStringConvertible, Sendable {
    enum Shape: Sendable {
        /// Text for people: every marker shows on standard output.
        case text
        /// A refusal (exit non-zero): the argument it quotes shows on standard error, inert.
        case refusal
        /// One JSON document: it parses, and holds each original text unchanged.
        case json(carrying: [String])
        /// A JSON document per line (`export`), likewise.
        case jsonLines(carrying: [String])
        /// Output in which the corpus shows only in part (a quote cut short, a path, a file written): at least one
        /// marker shows, on either stream or in the file.
        case quiet
    }

    /// Where it runs: the hostile incident, or a workspace whose warroom.yaml no command gets past.
    enum Place: Sendable { case incident, brokenConfig }

    /// `{ws}` stands for the workspace's directory, as warroom reads a path relative to the current directory.
    var arguments: [String]
    var shape: Shape
    /// A file the command writes, relative to the workspace, checked like its output.
    var writes: String?
    var place: Place

    init(_ arguments: [String], _ shape: Shape = .text, writes: String? = nil, in place: Place = .incident) {
        self.arguments = arguments
        self.shape = shape
        self.writes = writes
        self.place = place
    }

    var description: String { "warroom " + arguments.map { Hostile.raw(in: $0).isEmpty ? $0 : "HOSTILE" }.joined(separator: " ") }
}

@Suite(.serialized) struct HostileTextTests {
    static let t0 = "2026-11-20T14:00:00Z"
    static let instant = Date(timeIntervalSince1970: 1_795_183_200)
    static let t1 = "2026-11-20T14:10:00Z"

    static let title = Hostile.text("title")
    static let impact = Hostile.text("impact")
    /// A note whose second line poses as another timeline entry.
    static let note = Hostile.text("note") + "\n#99 14:00:00  note       maria: a fake entry"
    static let decision = Hostile.text("decision")
    static let action = Hostile.text("action")
    static let correction = Hostile.text("correction")
    static let holder = Hostile.text("holder")
    static let update = Hostile.text("update") + "\nsecond line"
    static let reason = Hostile.text("reason")
    static let person = Hostile.text("Eve")

    /// Every command that prints stored or user-given text. A command that starts printing such text gets a row
    /// here, so the hostile corpus reaches it as well.
    static let printing: [PrintingCommand] = [
        // Names with control characters are refused, quoting what was typed inert.
        PrintingCommand(["role", Hostile.text("role"), "bob"], .refusal),
        PrintingCommand(["role", "scribe", Hostile.text("holder")], .refusal),
        PrintingCommand(["status"]),
        PrintingCommand(["status", "--json"], .json(carrying: [title, impact, holder])),
        PrintingCommand(["timeline"]),
        PrintingCommand(["timeline", "--json"], .json(carrying: [title, impact, note, decision, action, correction, update])),
        PrintingCommand(["list"]),
        PrintingCommand(["export"], .jsonLines(carrying: [title, impact, note, decision, action, correction, update, reason])),
        PrintingCommand(["broadcast", "--draft"]),
        PrintingCommand(["broadcast", "--draft", "--audience", "executive"]),
        PrintingCommand(["postmortem", "--output", "{ws}/postmortem.md"], .quiet, writes: "postmortem.md"),
        PrintingCommand(["runbook", "checklist"]),
        PrintingCommand(["runbook", "checklist", "--json"], .json(carrying: [Hostile.text("step")])),
        PrintingCommand(["runbook", "lint", "{ws}/Runbooks/broken.md"], .quiet),
        PrintingCommand(["contacts", "lint", "{ws}/broken-contacts.yaml"], .quiet),
        PrintingCommand(["contacts", "lint", "{ws}/" + Hostile.text("missing") + ".yaml"], .refusal),
        PrintingCommand(["drill", "lint", "{ws}/broken-drill.yaml"], .quiet),
        PrintingCommand(["outbox", "list", "--all"], .quiet),
        PrintingCommand(["drill", "end", "DRILL-1"]),
        PrintingCommand(["drill", "history"]),
        PrintingCommand(["page", "eve"]),
        PrintingCommand(["ack", "eve"]),
        // Refusals that quote what was typed.
        PrintingCommand(["log", "--at", Hostile.text("at"), "a note"], .refusal),
        PrintingCommand(["status", "--incident", Hostile.text("incident")], .refusal),
        PrintingCommand(["log", "--kind", Hostile.text("kind"), "a note"], .refusal),
        PrintingCommand(["sev", Hostile.text("sev"), "--reason", "why"], .refusal),
        PrintingCommand(["state", Hostile.text("state")], .refusal),
        PrintingCommand(["correct", Hostile.text("entry"), "text"], .refusal),
        PrintingCommand(["ack", Hostile.text("ack")], .refusal),
        PrintingCommand(["step", "done", Hostile.text("step")], .refusal),
        PrintingCommand(["drill", Hostile.text("scenario")], .refusal),
        PrintingCommand(["outbox", "retry", Hostile.text("id")], .refusal),
        PrintingCommand(["status", "--" + Hostile.text("option")], .refusal),
        PrintingCommand(["list", Hostile.text("argument")], .refusal),
        PrintingCommand(["broadcast", "--draft"], .refusal, in: .brokenConfig),
    ]

    @Test func noCommandLetsHostileTextThrough() async throws {
        let ws = try await Self.hostileIncident()
        defer { try? FileManager.default.removeItem(at: ws.url) }
        let broken = try Workspace()
        defer { try? FileManager.default.removeItem(at: broken.url) }
        try "cadence:\n  L2: \(Hostile.yaml(Hostile.text("cadence")))\n"
            .write(to: broken.url.appendingPathComponent("warroom.yaml"), atomically: true, encoding: .utf8)

        for command in Self.printing {
            let place = command.place == .incident ? ws : broken
            let arguments = command.arguments.map { $0.replacingOccurrences(of: "{ws}", with: place.url.path) }
            let result = try place.run(arguments, now: Self.t1)
            let written = command.writes.flatMap { try? String(contentsOf: place.url.appendingPathComponent($0), encoding: .utf8) }
            if let path = command.writes { #expect(written != nil, "\(command) wrote no \(path): \(result.stderr)") }
            for (stream, text) in [("stdout", result.stdout), ("stderr", result.stderr), (command.writes ?? "", written ?? "")] {
                #expect(Hostile.raw(in: text).isEmpty, "\(command) \(stream) carries \(Hostile.raw(in: text)):\n\(text)")
            }
            switch command.shape {
            case .text:
                #expect(result.status == 0, "\(command): \(result.stderr)")
                for marker in Hostile.markers { #expect(result.stdout.contains(marker), "\(command) shows no \(marker):\n\(result.stdout)") }
            case .refusal:
                #expect(result.status != 0, "\(command) should refuse")
                #expect(result.stderr.contains("␛[2J"), "\(command) should quote what was typed, inert:\n\(result.stderr)")
            case .json(let texts):
                #expect(result.status == 0, "\(command): \(result.stderr)")
                let strings = Self.strings(in: try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)))
                for text in texts { #expect(strings.contains(text), "\(command) does not hold \(text.debugDescription)") }
            case .jsonLines(let texts):
                #expect(result.status == 0, "\(command): \(result.stderr)")
                let strings = try result.stdout.split(separator: "\n").flatMap {
                    Self.strings(in: try JSONSerialization.jsonObject(with: Data($0.utf8)))
                }
                for text in texts { #expect(strings.contains(text), "\(command) does not hold \(text.debugDescription)") }
            case .quiet:
                let shown = result.stdout + result.stderr + (written ?? "")
                #expect(shown.contains("⟨U+202E⟩"), "\(command) shows none of the corpus:\n\(shown)")
            }
        }
    }

    @Test func anEntryCannotFakeAnotherLineOfTheTimeline() async throws {
        let ws = try await Self.hostileIncident()
        defer { try? FileManager.default.removeItem(at: ws.url) }
        let lines = try ws.ok(["timeline"], now: Self.t1).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        let entries = try ws.export().filter { $0["incident"] as? String == "INC-1" }.count
        #expect(lines.count == 2 + entries, "\(lines.joined(separator: "\n"))")
        for line in lines.dropFirst(2) { #expect(line.hasPrefix("#"), "\(line)") }
    }

    @Test func aFileChannelWritesNoRawControlCharacters() throws {
        let ws = try Workspace()
        defer { try? FileManager.default.removeItem(at: ws.url) }
        try "channels:\n  - {name: incident-log, type: file, path: updates.log}\n"
            .write(to: ws.url.appendingPathComponent("warroom.yaml"), atomically: true, encoding: .utf8)
        try ws.ok(["declare", "--severity", "L2", Self.title, "--impact", Self.impact], now: Self.t0)
        try ws.ok(["log", "--kind", "decision", Self.decision], now: Self.t0)
        try ws.ok(["broadcast", "--send", "--wait", "5"], now: Self.t0)
        try ws.ok(["broadcast", "--send", "--wait", "5", "--message", Self.update], now: Self.t0)
        let log = try String(contentsOf: ws.url.appendingPathComponent("updates.log"), encoding: .utf8)
        #expect(Hostile.raw(in: log).isEmpty, "\(Hostile.raw(in: log)):\n\(log)")
        for marker in Hostile.markers { #expect(log.contains(marker), "no \(marker):\n\(log)") }
        #expect(log.contains("end update\nsecond line\n"), "a message keeps its lines:\n\(log)")
    }

    /// An L2 incident with every kind of entry carrying the corpus, a runbook and contacts made of it, an outbox
    /// delivery given up with it, and broken files that quote it.
    static func hostileIncident() async throws -> Workspace {
        let ws = try Workspace()
        func write(_ text: String, _ path: String) throws {
            let url = ws.url.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        try write("""
            channels:
              - {name: incident-log, type: file, path: updates.log}
              - {name: pager, type: command, command: [\(Hostile.yaml("./" + Hostile.text("program")))]}
            """, "warroom.yaml")
        try write("""
            people:
              eve: {name: \(Hostile.yaml(person)), phone: "+1 415 555 0101"}
            roles:
              ic: {primary: eve}
            policies:
              L1: {engage: [ic]}
              L2: {engage: [ic]}
              L3: {engage: []}
              L4: {engage: []}
            """, "contacts.yaml")
        try write("""
            ---
            id: hostile
            title: \(Hostile.yaml(Hostile.text("runbook")))
            severities: [L2]
            ---
            ## \(Hostile.text("phase"))
            - [ ] \(Hostile.text("step")) ⏱ 5m
            - [ ] Second step
            """, "Runbooks/hostile.md")
        try write("---\nid: broken\ntitle: \(Hostile.yaml(Hostile.text("broken")))\nseverities: [\(Hostile.yaml(Hostile.text("sev")))]\n---\n",
                  "Runbooks/broken.md")
        try write("people:\n  eve: {name: \(Hostile.yaml(person)), phone: \(Hostile.yaml(Hostile.text("phone")))}\n", "broken-contacts.yaml")
        try write("id: broken\ntitle: \(Hostile.yaml(Hostile.text("drill")))\nseverity: \(Hostile.yaml(Hostile.text("sev")))\n",
                  "broken-drill.yaml")

        let steps: [[String]] = [
            ["declare", "--severity", "L2", title, "--impact", impact],
            ["log", note],
            ["log", "--kind", "decision", decision],
            ["log", "--kind", "action", action],
            ["log", "--actor", Hostile.text("actor"), "a note by a hostile name"],
            ["state", "investigating", "--reason", reason],
            ["step", "skip", "hostile:2", "--reason", reason],
            ["broadcast", "--send", "--wait", "5", "--message", update],
        ]
        for step in steps { try checkedRun(ws, step) }
        // Names with control characters are refused now, but a store written before that may hold one: it must still
        // load, and show inert everywhere.
        let store = try SQLiteEventStore.open(workspace: ws.url)
        _ = try store.append(to: "INC-1") { _ in
            [EventDraft(occurredAt: Self.instant, recordedAt: Self.instant, actor: "maria", payload: .roleAssigned(role: "scribe", holder: holder))]
        }
        // A drill of a hostile scenario, run and ended, for the score card and the history.
        let scenario = DrillScenario(id: "hostile-drill", title: Hostile.text("drill title"), runbooks: [], severity: .l3, injects: [
            .init(offsetSeconds: 0, kind: .note, text: Hostile.text("inject"), line: 5),
        ])
        let drill = try await DrillSession.start(scenario, runbooks: [], speed: 60, store: store, actor: "maria", now: Self.instant)
        let session = DrillSession(incident: drill, store: store, workspace: ws.url, contacts: nil)
        _ = try await session.advance(now: Self.instant.addingTimeInterval(60))
        _ = try await session.end(.ended, at: Self.instant.addingTimeInterval(120), now: Self.instant.addingTimeInterval(120),
                                  actor: "maria")
        let entry = try #require(try ws.export().first { $0["text"] as? String == note }?["id"] as? Int)
        try checkedRun(ws, ["correct", "#\(entry)", correction])
        return ws
    }

    /// Runs a step of the setup, which must succeed and let nothing hostile through either.
    private static func checkedRun(_ ws: Workspace, _ arguments: [String]) throws {
        let result = try ws.run(arguments, now: t0)
        guard result.status == 0 else { throw Failure("warroom \(arguments.first ?? "") exited \(result.status): \(result.stderr)") }
        for text in [result.stdout, result.stderr] {
            #expect(Hostile.raw(in: text).isEmpty, "warroom \(arguments.first ?? "") carries \(Hostile.raw(in: text)):\n\(text)")
        }
    }

    /// Every string in a parsed JSON value, keys included.
    static func strings(in value: Any) -> [String] {
        switch value {
        case let s as String: [s]
        case let array as [Any]: array.flatMap { strings(in: $0) }
        case let object as [String: Any]: Array(object.keys) + object.values.flatMap { strings(in: $0) }
        default: []
        }
    }
}
