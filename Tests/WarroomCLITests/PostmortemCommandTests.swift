import Foundation
import Testing
import WarroomTestSupport

/// `warroom postmortem`: the file it writes, template overrides, template errors, and closing after it.
@Suite("warroom postmortem")
struct PostmortemCommandTests {
    func at(_ hhmm: String) -> String { "2026-11-20T\(hhmm):00Z" }

    /// A short storage outage, resolved at 22:00.
    func resolvedOutage() throws -> Workspace {
        let ws = try Workspace()
        try ws.ok(["declare", "--severity", "L2", "Document storage offline", "--at", "14:12"], now: at("14:13"))
        try ws.ok(["log", "--at", "14:07", "alert fired: storage health check failing"], now: at("14:14"))
        try ws.ok(["state", "investigating"], now: at("14:14"))
        try ws.ok(["sev", "L1", "--reason", "data at risk"], now: at("14:20"))
        try ws.ok(["state", "identified", "--at", "14:50"], now: at("14:55"))
        try ws.ok(["log", "--kind", "decision", "restore from backup", "--at", "15:00"], now: at("15:02"))
        try ws.ok(["state", "mitigating", "--reason", "restore started", "--at", "15:10"], now: at("15:11"))
        try ws.ok(["log", "--kind", "action", "keep off-site backups"], now: at("16:00"))
        try ws.ok(["state", "monitoring", "--at", "21:00"], now: at("21:02"))
        try ws.ok(["state", "resolved", "--at", "22:00"], now: at("22:03"))
        return ws
    }

    func file(_ ws: Workspace, _ path: String = "postmortems/INC-1.md") -> URL { ws.url.appendingPathComponent(path) }

    /// The workspace's postmortems/ is private like .warroom/, even when someone made it 0755 beforehand; a folder
    /// chosen with --output keeps its mode.
    @Test func thePostmortemsFolderIsPrivate() throws {
        let ws = try resolvedOutage()
        let folder = ws.url.appendingPathComponent("postmortems")
        let chosen = ws.url.appendingPathComponent("shared")
        for url in [folder, chosen] {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        }
        try ws.ok(["postmortem"], now: at("23:30"))
        try ws.ok(["postmortem", "--output", "shared/pm.md", "--force"], now: at("23:31"))
        func mode(_ url: URL) throws -> Int { try (FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int) ?? -1 }
        #expect(try mode(folder) == 0o700)
        #expect(try mode(file(ws)) == 0o600)
        #expect(try mode(chosen) == 0o755)
    }

    @Test func writesTheDefaultFileAndRecordsIt() throws {
        let ws = try resolvedOutage()
        let before = try ws.export().count
        #expect(try ws.ok(["postmortem"], now: at("23:30")) == "#\(before + 1) INC-1 postmortem written to postmortems/INC-1.md\n")
        let text = try String(contentsOf: file(ws), encoding: .utf8)
        #expect(text.hasPrefix("# Postmortem: INC-1 Document storage offline\n"))
        #expect(text.contains("| First signal | 14:07 | #"))
        #expect(text.contains(": alert fired: storage health check failing |"))
        #expect(text.contains("- 15:00 restore from backup (maria, #"))
        for line in [
            "| Mitigation started | 15:10 | entered mitigating |",
            "| Mitigated | 21:00 | entered monitoring |",
            "| MTTD | time to declare | first signal → declared | 5m |",
            "| MTTM | time to mitigate | first signal → mitigated | 6h 53m |",
            "| MTTR | time to resolve | first signal → resolved | 7h 53m |",
            "| L1 | 7h 40m |",
            "| L2 | 8m |",
        ] {
            #expect(text.contains(line), "missing: \(line)")
        }
        let events = try ws.export()
        #expect(events.count == before + 1)
        let recorded = try #require(events.last)
        #expect(recorded["kind"] as? String == "postmortem")
        #expect(recorded["path"] as? String == "postmortems/INC-1.md")
        #expect(recorded["through_event"] as? Int == before)
        #expect(recorded["occurred_at"] as? String == "2026-11-20T23:30:00.000Z")
        #expect((recorded["digest"] as? String)?.count == 16)
        // Private like the rest of the workspace.
        let attributes = try FileManager.default.attributesOfItem(atPath: file(ws).path)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        let timeline = try ws.ok(["timeline", "--incident", "1"], now: at("23:31"))
        #expect(timeline.contains("postmortem maria: postmortem written to postmortems/INC-1.md (entries up to #\(before))"))
    }

    @Test func outputGoesWhereAskedAndTimesFollowTheZone() throws {
        let ws = try resolvedOutage()
        let elsewhere = try makeDirectory().appendingPathComponent("reports/inc-1.md")
        #expect(try ws.ok(["postmortem", "--output", elsewhere.path, "--utc"], now: at("23:30"))
            .hasSuffix("INC-1 postmortem written to \(elsewhere.path)\n"))
        #expect(!FileManager.default.fileExists(atPath: file(ws).path))
        let text = try String(contentsOf: elsewhere, encoding: .utf8)
        #expect(text.contains("Times are in UTC on 2026-11-20"))
        #expect(try ws.export().last?["path"] as? String == elsewhere.path)
    }

    @Test func theWorkspaceTemplateAndTemplateOptionOverrideTheBuiltIn() throws {
        let ws = try resolvedOutage()
        try "{{id}} took {{durations.to_resolve}} ({{worst_severity}} at worst)\n"
            .write(to: ws.url.appendingPathComponent("postmortem.mustache"), atomically: true, encoding: .utf8)
        try ws.ok(["postmortem"], now: at("23:30"))
        #expect(try String(contentsOf: file(ws), encoding: .utf8) == "INC-1 took 7h 53m (L1 at worst)\n")

        let custom = try makeDirectory().appendingPathComponent("short.mustache")
        try "{{#decisions}}- {{text}}\n{{/decisions}}".write(to: custom, atomically: true, encoding: .utf8)
        try ws.ok(["postmortem", "--template", custom.path], now: at("23:31"))
        #expect(try String(contentsOf: file(ws), encoding: .utf8) == "- restore from backup\n")
    }

    @Test func anUnknownVariableNamesPathAndLineAndChangesNothing() throws {
        let ws = try resolvedOutage()
        let before = try ws.export().count
        let bad = try makeDirectory().appendingPathComponent("bad.mustache")
        try "# {{id}}\n\n{{#timeline}}\n{{txt}}\n{{/timeline}}\n".write(to: bad, atomically: true, encoding: .utf8)
        let output = ws.url.appendingPathComponent("out.md")
        let result = try ws.run(["postmortem", "--template", bad.path, "--output", output.path], now: at("23:30"))
        #expect(result.status == 1)
        #expect(result.stderr == "\(bad.path):4: unknown variable 'txt'\n")
        #expect(result.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: output.path))
        #expect(!FileManager.default.fileExists(atPath: file(ws).path))
        #expect(try ws.export().count == before)

        // A broken workspace template is refused the same way, and the built-in one is not silently used instead.
        try "{{title}}\n{{resolved}}\n".write(to: ws.url.appendingPathComponent("postmortem.mustache"), atomically: true, encoding: .utf8)
        let workspaceResult = try ws.run(["postmortem"], now: at("23:31"))
        #expect(workspaceResult.status == 1)
        #expect(workspaceResult.stderr.hasSuffix("postmortem.mustache:2: unknown variable 'resolved'\n"))
        #expect(!FileManager.default.fileExists(atPath: file(ws).path))
        #expect(try ws.export().count == before)

        let missing = try ws.run(["postmortem", "--template", "/nonexistent/t.mustache"], now: at("23:31"))
        #expect(missing.status == 1)
        #expect(missing.stderr == "/nonexistent/t.mustache:1: cannot read the template: no such file\n")
    }

    @Test func closingNeedsAPostmortemGeneratedAfterResolution() throws {
        let ws = try Workspace()
        try ws.ok(["declare", "--severity", "L3", "Search slow", "--at", "10:00"], now: at("10:00"))
        // A draft during the incident is recorded, but it does not let the incident close.
        try ws.ok(["postmortem"], now: at("10:05"))
        for state in ["investigating", "identified", "mitigating", "monitoring", "resolved"] {
            try ws.ok(["state", state], now: at("10:10"))
        }
        let refused = try ws.run(["state", "closed", "--incident", "INC-1"], now: at("10:20"))
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("INC-1 can be closed only after its postmortem has been generated since it was resolved (warroom postmortem)"))

        // With nothing active, the one resolved incident is the one meant.
        #expect(try ws.ok(["postmortem"], now: at("10:30")).hasSuffix("INC-1 postmortem written to postmortems/INC-1.md\n"))
        #expect(try ws.ok(["state", "closed"], now: at("10:31")).contains("resolved → closed"))
        let count = try ws.export().count

        // A closed incident takes no more entries; its postmortem can still be written, unrecorded.
        let again = try ws.ok(["postmortem", "--incident", "1", "--output", ws.url.appendingPathComponent("final.md").path], now: at("11:00"))
        #expect(again.contains("INC-1 is closed: not recorded on its timeline"))
        #expect(try String(contentsOf: ws.url.appendingPathComponent("final.md"), encoding: .utf8).contains("| Closed | 10:31 | closed |"))
        #expect(try ws.export().count == count)
    }

    @Test func aFilePeopleEditedIsNotReplacedWithoutForce() throws {
        let ws = try resolvedOutage()
        try ws.ok(["postmortem"], now: at("23:30"))
        // Untouched: regenerating replaces it.
        try ws.ok(["postmortem"], now: at("23:31"))
        let handle = try FileHandle(forWritingTo: file(ws))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("\nRoot cause: the ops tool had no production guard.\n".utf8))
        try handle.close()
        let before = try ws.export().count
        let refused = try ws.run(["postmortem"], now: at("23:40"))
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("postmortems/INC-1.md has been edited since it was generated; pass --force"))
        #expect(try String(contentsOf: file(ws), encoding: .utf8).contains("Root cause: the ops tool had no production guard."))
        #expect(try ws.export().count == before)
        // A file Warroom never wrote is protected too.
        let foreign = ws.url.appendingPathComponent("notes.md")
        try "mine".write(to: foreign, atomically: true, encoding: .utf8)
        let foreignResult = try ws.run(["postmortem", "--output", foreign.path], now: at("23:41"))
        #expect(foreignResult.status == 1)
        #expect(foreignResult.stderr.contains("notes.md already exists and was not written by `warroom postmortem` for INC-1"))
        #expect(try String(contentsOf: foreign, encoding: .utf8) == "mine")

        try ws.ok(["postmortem", "--force"], now: at("23:42"))
        #expect(try !String(contentsOf: file(ws), encoding: .utf8).contains("Root cause: the ops tool"))
    }

    @Test func selectionAndListing() throws {
        let ws = try Workspace()
        let none = try ws.run(["postmortem"], now: at("10:00"))
        #expect(none.status == 1)
        #expect(none.stderr.contains("no Warroom store in"))
        try ws.ok(["declare", "--severity", "L3", "One", "--at", "10:00"], now: at("10:00"))
        try ws.ok(["declare", "--severity", "L3", "Two", "--at", "10:00"], now: at("10:00"))
        let several = try ws.run(["postmortem"], now: at("10:01"))
        #expect(several.status == 1)
        #expect(several.stderr.contains("several incidents are active (INC-1, INC-2); choose one with --incident"))
        let unknown = try ws.run(["postmortem", "--incident", "INC-9"], now: at("10:01"))
        #expect(unknown.stderr.contains("no incident INC-9 in this workspace"))
        let listing = try ws.ok(["postmortem", "--list-variables"], now: at("10:01"))
        #expect(listing.contains("timeline (list) — every entry in the order it happened"))
    }

    private func makeDirectory() throws -> URL { try makeTemporaryDirectory("warroom-pm") }
}
