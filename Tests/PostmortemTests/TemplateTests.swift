import Foundation
import IncidentCore
@testable import Postmortem
import Testing

@Suite("Postmortem templates")
struct TemplateTests {
    static let repositoryTemplate = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("templates/postmortem.md.mustache")

    /// The binary carries the template from the repository, byte for byte.
    @Test func theCompiledInTemplateIsTheRepositoryFile() throws {
        let file = try String(contentsOf: Self.repositoryTemplate, encoding: .utf8)
        #expect(PostmortemTemplate.builtInText == file,
                "templates/postmortem.md.mustache changed: run scripts/embed-postmortem-template.sh")
    }

    @Test func theBuiltInTemplateIsValid() throws {
        #expect(throws: Never.self) { try PostmortemTemplate(text: PostmortemTemplate.builtInText, path: "t") }
    }

    func problem(_ text: String) -> String? {
        do {
            _ = try PostmortemTemplate(text: text, path: "pm.mustache")
            return nil
        } catch {
            return error.description
        }
    }

    func render(_ text: String, _ facts: PostmortemFacts? = nil) throws -> String {
        let facts = try facts ?? storageRestoreOutage().facts(asOf: "23:30")
        return try PostmortemTemplate(text: text, path: "t").render(facts, timeZone: utc)
    }

    @Test(arguments: [
        ("# {{title}}\n\n{{tilte}}\n", "pm.mustache:3: unknown variable 'tilte'"),
        ("{{id}}\n{{#timeline}}\n{{text}}\n{{/timeline}}\n{{text}}\n", "pm.mustache:5: unknown variable 'text'"),
        ("{{times.resolve}}", "pm.mustache:1: unknown variable 'times.resolve'"),
        ("{{title.first}}", "pm.mustache:1: unknown variable 'title.first'"),
        ("{{#decisions}}\n{{kind}}\n{{/decisions}}", "pm.mustache:2: unknown variable 'kind'"),
        ("{{{raw}}}", "pm.mustache:1: unknown variable 'raw'"),
        ("{{& raw }}", "pm.mustache:1: unknown variable 'raw'"),
        ("{{^nothing}}x{{/nothing}}", "pm.mustache:1: unknown variable 'nothing'"),
        ("{{! a comment\n spanning\n lines }}\n{{oops}}", "pm.mustache:4: unknown variable 'oops'"),
        ("{{=<% %>=}}\n<% title %>\n<% nope %>\n{{nope}}", "pm.mustache:3: unknown variable 'nope'"),
        ("{{timeline}}", "pm.mustache:1: 'timeline' is a list: use it as a section, {{#timeline}}…{{/timeline}}"),
        ("{{times}}", "pm.mustache:1: 'times' has fields: name one, such as {{times.first_signal}}"),
        ("a\n{{#timeline}}\n{{text}}\n", "pm.mustache:2: section 'timeline' is never closed"),
        ("{{#timeline}}{{/decisions}}", "pm.mustache:1: '{{/decisions}}' closes 'decisions', but the section open is 'timeline' (line 1)"),
        ("{{/timeline}}", "pm.mustache:1: '{{/timeline}}' closes a section that is not open"),
        ("x\n{{> header}}", "pm.mustache:2: partials and blocks ('{{> header}}') are not supported: put the text in the template itself"),
        ("{{shout(title)}}", "pm.mustache:1: unknown transform 'shout' in 'shout(title)'"),
        ("x\n{{title", "pm.mustache:2: this tag is never closed with '}}'"),
        ("{{% COLOUR: red}}", "pm.mustache:1: unknown pragma: only CONTENT_TYPE (TEXT or HTML) is known"),
    ])
    func problemsNameTheLine(template: String, message: String) {
        #expect(problem(template) == message)
    }

    @Test func namesResolveThroughOpenSections() throws {
        let text = """
            {{#timeline}}{{#corrected}}{{id}} {{title}} {{original}}{{/corrected}}{{/timeline}}
            {{#updates}}{{due}}/{{sent}} {{#missed}}{{due_at}}{{/missed}}{{/updates}}
            {{#updates.missed}}{{overdue_by}}{{/updates.missed}}{{^updates.missed}}none missed{{/updates.missed}}
            {{#timeline}}{{#first()}}first: {{id}}{{/first()}}{{/timeline}} {{count(timeline)}}
            {{#title}}{{.}}{{/title}} {{uppercased(severity)}}
            """
        #expect(try render(text) == """
            40 Document storage offline restore at 18%
            12/13 
            none missed
            first: 3 92
            Document storage offline L2
            """)
    }

    /// An absent value renders as nothing and does not borrow a value of the same name from further out.
    @Test func absentValuesAreEmptyNotBorrowed() throws {
        let text = "{{#timeline}}{{#backdated}}[{{id}} {{original}}]{{/backdated}}{{/timeline}}|{{#times.closed}}closed{{/times.closed}}{{^times.closed}}open{{/times.closed}}|{{times.closed}}|"
        let facts = try storageRestoreOutage().facts(asOf: "23:30")
        let backdated = facts.timeline.filter(\.isBackdated).map { "[\($0.id) ]" }
        #expect(backdated.count == 11)
        #expect(try render(text, facts) == backdated.joined() + "|open||")
    }

    @Test func textIsNotHTMLEscaped() throws {
        #expect(try render("{{title}} & {{{title}}}") == "Document storage offline & Document storage offline")
        var r = Replay("Cache <eviction> & \"stampede\" 'now'", severity: .l3, at: "10:00")
        try r.note("a | b", at: "10:01")
        #expect(try render("{{title}}", r.facts(asOf: "10:05")) == #"Cache \<eviction> & "stampede" 'now'"#)
    }

    /// Recorded text cannot break the document: no escape sequences, no new table cells or rows, no raw HTML.
    @Test func recordedTextIsMadeSafeForMarkdown() throws {
        var r = Replay("Title", severity: .l3, at: "10:00")
        try r.note("rows | split\nhere \u{1B}[2J <script>alert(1)</script> C:\\path", at: "10:01", by: "eve|x")
        let text = try render("{{#timeline}}{{actor}}: {{text}}\n{{/timeline}}", r.facts(asOf: "10:05"))
        #expect(text == """
            maria: declared L3: Title
            eve\\|x: rows \\| split␊here ␛[2J \\<script>alert(1)\\</script> C:\\\\path

            """)
    }

    @Test func templateFilesAreReadAndNamedInErrors() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pm-template-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("custom.mustache")
        try "# {{id}}\n\n{{nonsense}}\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: TemplateError(path: file.path, line: 3, message: "unknown variable 'nonsense'")) {
            try PostmortemTemplate(contentsOf: file)
        }
        let missing = directory.appendingPathComponent("missing.mustache")
        #expect(throws: TemplateError(path: missing.path, line: 1, message: "cannot read the template: no such file")) {
            try PostmortemTemplate(contentsOf: missing)
        }
    }

    /// The context fills exactly the variables the validator knows, at every level, so a template that passes
    /// validation never meets a name the data lacks, and no value is unreachable.
    @Test func theContextHasExactlyTheDeclaredVariables() throws {
        let context = PostmortemContext(facts: try storageRestoreOutage().facts(asOf: "23:30"), timeZone: utc)
        let values = context.values()
        #expect((values["timeline"] as? [TimelineRow])?.count == 92)
        check(values, PostmortemVariables.root, path: "")
    }

    private func check(_ value: [String: Any], _ fields: [TemplateField], path: String) {
        #expect(Set(value.keys) == Set(fields.map(\.name)), "at \(path.isEmpty ? "the top" : path)")
        for field in fields {
            guard let child = value[field.name] else { continue }
            switch field.node {
            case .object(_, let sub):
                if let object = child as? [String: Any] { check(object, sub, path: path + field.name + ".") }
                else { #expect(child is NSNull, "\(path)\(field.name) is neither an object nor absent") }
            case .list(_, let sub):
                if let rows = child as? [TimelineRow] {
                    // Rows formatted on demand: every declared field answers, anything else is left to outer scopes.
                    for row in rows {
                        check(Dictionary(uniqueKeysWithValues: sub.map { ($0.name, row.child(named: $0.name) as Any) }), sub,
                              path: path + field.name + "[].")
                        #expect(row.child(named: "title") == nil)
                    }
                    continue
                }
                guard let rows = child as? [[String: Any]] else {
                    Issue.record("\(path)\(field.name) is not a list")
                    continue
                }
                for row in rows { check(row, sub, path: path + field.name + "[].") }
            case .flag:
                #expect(child is Bool, "\(path)\(field.name) is not a flag")
            case .text:
                #expect(child is String || child is RenderedText || child is NSNull, "\(path)\(field.name) is not text")
            }
        }
    }

    @Test func theVariableListingCoversEveryVariable() {
        let listing = PostmortemVariables.listing()
        #expect(listing.contains("times (object) — key times to the minute; each absent until reached"))
        #expect(listing.contains("  first_signal — the earliest time any entry says something happened"))
        #expect(listing.contains("timeline (list) — every entry in the order it happened"))
        #expect(listing.contains("drill (true/false) — whether the incident was a drill"))
    }

    @Test(arguments: [
        (0.0, "0m"), (59.0, "0m"), (60.0, "1m"), (45 * 60.0, "45m"), (63 * 60.0, "1h 03m"), (hours(7, 53), "7h 53m"),
        (hours(26, 5), "1d 02h 05m"), (-90.0, "-1m"),
    ])
    func durationsToTheMinute(seconds: TimeInterval, text: String) {
        #expect(PostmortemContext.duration(seconds) == text)
    }

    @Test func timesCarryTheirDateWhenTheIncidentSpansMidnight() throws {
        var r = Replay("Late night", severity: .l3, at: "23:50")
        try r.note("after midnight", at: "+1 00:10")
        let text = try render("{{date}} {{spans_days}} {{times.declared}} {{#timeline}}{{time}}; {{/timeline}}", r.facts(asOf: "+1 00:20"))
        #expect(text == "2026-11-20 true 2026-11-20 23:50 2026-11-20 23:50; 2026-11-21 00:10; ")
        let offset = try PostmortemTemplate(text: "{{times.declared}} {{time_zone}}", path: "t")
            .render(r.facts(asOf: "+1 00:20"), timeZone: TimeZone(secondsFromGMT: 8 * 3600)!)
        #expect(offset == "07:50 UTC+08:00")
    }

    @Test func draftsAndDrillsSaySo() throws {
        var r = Replay("Game day", severity: .l2, drill: true, at: "10:00")
        try r.note("scenario started", at: "10:01")
        let text = PostmortemTemplate.builtIn.render(r.facts(asOf: "10:30"), timeZone: utc)
        #expect(text.contains("> **Drill.** This incident was a rehearsal; it is excluded from incident metrics."))
        #expect(text.contains("> **Draft.** INC-1 is still declared: the figures run to 2026-11-20 10:30 UTC and will change."))
        #expect(text.contains("An update has been due since 10:15 (15m overdue) and has not gone out."))
        #expect(text.contains("| L2 | 30m so far |"))
        #expect(text.contains("| Resolved | — | not resolved at generation |"))
        #expect(text.contains("No status updates were sent."))
        #expect(text.contains("No decisions were recorded."))
    }
}
