import Foundation
import Testing
import WarroomTestSupport

@Suite("warroom commands")
struct CommandTests {
    let t0 = "2026-11-20T14:20:00Z"

    @Test func declarePrintsSequentialIDs() throws {
        let ws = try Workspace()
        #expect(try ws.ok(["declare", "--severity", "L2", "Storage offline"], now: t0) == "INC-1\n")
        #expect(try ws.ok(["declare", "-s", "l3", "Search slow", "--impact", "p99 4s"], now: t0) == "INC-2\n")
        let events = try ws.export()
        #expect(events.count == 2)
        #expect(events[1]["severity"] as? String == "L3")
        #expect(events[1]["impact"] as? String == "p99 4s")
        #expect(events[1]["actor"] as? String == "maria")
    }

    @Test func storeIsPrivateToItsOwner() throws {
        let ws = try Workspace()
        try ws.ok(["declare", "--severity", "L2", "Storage offline"], now: t0)
        let fm = FileManager.default
        let dir = try fm.attributesOfItem(atPath: ws.url.appendingPathComponent(".warroom").path)
        #expect((dir[.posixPermissions] as? Int) == 0o700)
        for file in try fm.contentsOfDirectory(atPath: ws.url.appendingPathComponent(".warroom").path) {
            let attrs = try fm.attributesOfItem(atPath: ws.url.appendingPathComponent(".warroom/\(file)").path)
            #expect((attrs[.posixPermissions] as? Int) == 0o600, "\(file)")
        }
    }

    @Test func readCommandsRefuseAMissingStoreWithoutCreatingOne() throws {
        let ws = try Workspace()
        for command in [["status"], ["timeline"], ["list"], ["export"], ["log", "hello"]] {
            let result = try ws.run(command, now: t0)
            #expect(result.status != 0, "\(command)")
            #expect(result.stderr.contains("no Warroom store in"), "\(command): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: ws.url.appendingPathComponent(".warroom").path))
    }

    @Test func illegalTransitionNamesTheLegalOnesAndChangesNothing() throws {
        let ws = try Workspace()
        try ws.ok(["declare", "--severity", "L2", "Storage offline"], now: t0)
        let before = try ws.export().count
        let result = try ws.run(["state", "mitigating"], now: t0)
        #expect(result.status == 1)
        #expect(result.stderr.contains("INC-1 cannot move from declared to mitigating; legal now: investigating"))
        #expect(try ws.export().count == before)
    }

    @Test func badInputIsRefusedWithANonZeroExitAndNothingRecorded() throws {
        let ws = try Workspace()
        try ws.ok(["declare", "--severity", "L2", "Storage offline"], now: t0)
        let cases: [([String], String)] = [
            (["log", "--at", "25:00", "late"], "invalid time '25:00'"),
            (["log", "--at", "2026-11-20 14:30", "future"], "in the future"),
            (["log", "--kind", "gossip", "x"], "gossip"),
            (["log", "   "], "the note is empty"),
            (["sev", "L2", "--reason", "same"], "INC-1 is already L2"),
            (["sev", "L1", "--reason", " "], "a severity change needs a reason"),
            (["sev", "L0", "--reason", "x"], "L0"),
            (["sev", "L1"], "--reason"),
            (["state", "resolved"], "legal now: investigating"),
            (["state", "closed"], "legal now: investigating"),
            (["state", "sideways"], "sideways"),
            (["log", "--incident", "INC-9", "x"], "no incident INC-9 in this workspace (known: INC-1)"),
            (["correct", "#99", "text"], "INC-1 has no entry #99"),
            (["correct", "abc", "text"], "'abc' is not an entry number"),
            (["declare", "--severity", "L2", "  "], "the title is empty"),
            (["nonsense"], "nonsense"),
        ]
        let before = try ws.export().count
        for (arguments, message) in cases {
            let result = try ws.run(arguments, now: t0)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(arguments)")
        }
        #expect(try ws.export().count == before)
    }

    @Test func incidentMayBeLeftOutOnlyWhenExactlyOneIsActive() throws {
        let ws = try Workspace()
        try ws.ok(["declare", "--severity", "L2", "Storage offline"], now: t0)
        try ws.ok(["log", "first"], now: t0)
        try ws.ok(["declare", "--severity", "L3", "Search slow"], now: t0)
        let result = try ws.run(["log", "which one?"], now: t0)
        #expect(result.status == 1)
        #expect(result.stderr.contains("several incidents are active (INC-1, INC-2); choose one with --incident"))
        try ws.ok(["log", "--incident", "2", "to the second"], now: t0)
        try ws.ok(["log", "--incident", "inc-1", "to the first"], now: t0)
        let notes = try ws.export().filter { $0["kind"] as? String == "note" }
        #expect(notes.map { $0["incident"] as? String } == ["INC-1", "INC-2", "INC-1"])
    }

    @Test func workspaceOptionBeatsTheEnvironment() throws {
        let ws = try Workspace()
        let other = try makeTemporaryDirectory("warroom-cli-other")
        try ws.ok(["declare", "--severity", "L4", "Noise", "--workspace", other.path], now: t0)
        #expect(FileManager.default.fileExists(atPath: other.appendingPathComponent(".warroom/warroom.sqlite").path))
        #expect(!FileManager.default.fileExists(atPath: ws.url.appendingPathComponent(".warroom").path))
    }

    @Test func everyCommandHasHelp() throws {
        let ws = try Workspace()
        for command in ["declare", "log", "sev", "state", "role", "correct", "status", "timeline", "list", "export", "demo", "console"] {
            let result = try ws.run([command, "--help"], now: t0)
            #expect(result.status == 0, "\(command)")
            #expect(result.stdout.contains("USAGE: warroom \(command)"), "\(command): \(result.stdout)")
        }
    }

    @Test func concurrentWritersAllLand() throws {
        let ws = try Workspace()
        try ws.ok(["declare", "--severity", "L2", "Storage offline"], now: t0)
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 12) { i in
            results.add((try? ws.run(["log", "writer \(i)"], now: t0))?.status ?? -1)
        }
        #expect(results.all.allSatisfy { $0 == 0 })
        let notes = try ws.export().filter { $0["kind"] as? String == "note" }
        #expect(notes.count == 12)
        #expect(Set(notes.compactMap { $0["text"] as? String }).count == 12)
    }

    @Test func exportWritesOneParseableEventPerLineInLogOrder() throws {
        let ws = try Workspace()
        try ws.ok(["declare", "--severity", "L2", "Storage offline"], now: t0)
        try ws.ok(["log", "--at", "14:07", "alert fired"], now: t0)
        try ws.ok(["role", "scribe", "dev"], now: t0)
        try ws.ok(["role", "scribe", "--accept"], now: t0)
        try ws.ok(["correct", "2", "alert fired at 14:06"], now: t0)
        let events = try ws.export()
        #expect(events.map { $0["id"] as? Int } == [1, 2, 3, 4, 5])
        #expect(events.map { $0["kind"] as? String } == ["declared", "note", "handoff", "role", "correction"])
        #expect(events[1]["occurred_at"] as? String == "2026-11-20T14:07:00.000Z")
        #expect(events[1]["recorded_at"] as? String == "2026-11-20T14:20:00.000Z")
        #expect(events[2]["role"] as? String == "scribe")
        #expect(events[2]["offered_to"] as? String == "dev")
        #expect(events[2]["holder"] as? String == "maria")
        #expect(events[3]["holder"] as? String == "dev")
        #expect(events[4]["corrects"] as? Int == 2)
    }

    @Test func roleOffersAndTheirAnswers() throws {
        let ws = try Workspace()
        try ws.ok(["declare", "--severity", "L2", "Storage offline"], now: t0)
        for (arguments, message) in [
            (["role", "ic"], "say who the role is offered to: warroom role ic NAME"),
            (["role", "ic", "bob", "--accept"], "--accept and --decline take the role alone"),
            (["role", "ic", "--accept", "--decline"], "--accept and --decline cannot be given together"),
            (["role", "ic", "--accept"], "no handoff of incident commander is waiting on INC-1; offer a role with /role ROLE NAME"),
            (["role", "ic", "maria"], "maria already holds incident commander"),
        ] {
            let refused = try ws.run(arguments, now: t0)
            #expect(refused.status != 0 && refused.stderr.contains(message), "\(arguments): \(refused.stderr)")
        }
        #expect(try ws.export().count == 1, "refusals record nothing")

        #expect(try ws.ok(["role", "ic", "bob"], now: t0) == "#2 INC-1 maria hands incident commander to bob; maria keeps it until bob accepts\n")
        #expect(try ws.ok(["status"], now: t0).contains("  commander    maria\n"))
        #expect(try ws.ok(["role", "ic", "--decline"], now: t0) == "#3 INC-1 bob declined incident commander\n")
        try ws.ok(["role", "ic", "bob"], now: t0)
        #expect(try ws.ok(["role", "ic", "--accept"], now: t0) == "#5 INC-1 bob is incident commander\n")
        #expect(try ws.ok(["status"], now: t0).contains("  commander    bob\n"))
    }

    @Test func utcFlagAndLocalTimeZones() throws {
        var ws = try Workspace()
        ws.timeZone = "Asia/Shanghai"
        try ws.ok(["declare", "--severity", "L2", "Storage offline"], now: t0)
        // 22:07 in Shanghai is 14:07 UTC.
        try ws.ok(["log", "--at", "22:07", "alert fired"], now: t0)
        let local = try ws.ok(["timeline"], now: t0)
        #expect(local.contains("times in UTC+08:00 on 2026-11-20"))
        #expect(local.contains("22:07:00  note"))
        let utc = try ws.ok(["timeline", "--utc"], now: t0)
        #expect(utc.contains("14:07:00  note"))
        #expect(try ws.export()[1]["occurred_at"] as? String == "2026-11-20T14:07:00.000Z")
    }

    @Test func storedTextIsPrintedInert() throws {
        let ws = try Workspace()
        try ws.ok(["declare", "--severity", "L2", "Storage \u{1B}]0;pwned\u{07}offline"], now: t0)
        try ws.ok(["log", "clear \u{1B}[2J screen"], now: t0)
        let timeline = try ws.ok(["timeline"], now: t0)
        #expect(!timeline.contains("\u{1B}"))
        #expect(timeline.contains("clear ␛[2J screen"))
        #expect(try ws.ok(["status"], now: t0).contains("Storage ␛]0;pwned␇offline"))
    }
}

/// Collects exit codes from concurrent writers.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var codes: [Int32] = []
    func add(_ code: Int32) { lock.lock(); codes.append(code); lock.unlock() }
    var all: [Int32] { lock.lock(); defer { lock.unlock() }; return codes }
}
