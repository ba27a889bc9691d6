import Foundation
import Testing
import WarroomTestSupport

/// What people type is checked before anything is recorded: times that cannot be right, numbers that are not numbers.
@Suite struct PlausibleInputTests {
    @Test func anEntryFrom1900IsRefusedAndNothingIsRecorded() throws {
        let ws = try Workspace()
        try ws.ok(["declare", "-s", "L2", "Checkout errors"], now: "2026-11-20T14:00:00Z")
        let before = try ws.export().count
        for arguments in [
            ["log", "--at", "1900-01-01T00:00:00Z", "alert fired"],
            ["log", "--at", "2026-09-01 10:00", "a month and more before the declaration"],
            ["declare", "-s", "L3", "Old news", "--at", "1900-01-01T00:00:00Z"],
        ] {
            let result = try ws.run(arguments, now: "2026-11-20T14:10:00Z")
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.contains("before 2000-01-01") || result.stderr.contains("backdate_limit"), "\(result.stderr)")
        }
        #expect(try ws.export().count == before)
        // The limit is the workspace's to set.
        try ws.write("backdate_limit: 90d\n", to: "warroom.yaml")
        try ws.ok(["log", "--at", "2026-09-01 10:00", "the first signal, weeks earlier"], now: "2026-11-20T14:10:00Z")
    }

    @Test(arguments: [
        ["outbox", "run", "--until-empty", "--max-wait", "nan"], ["outbox", "run", "--until-empty", "--max-wait", "inf"],
        ["broadcast", "--send", "--message", "x", "--wait", "nan"], ["page", "ic", "--via", "webhook", "--wait", "-inf"],
        ["drill", "lb-node-down", "--speed", "nan"],
    ])
    func numbersThatAreNotNumbersAreRefused(arguments: [String]) throws {
        let ws = try Workspace()
        try ws.ok(["declare", "-s", "L2", "Checkout errors"], now: "2026-11-20T14:00:00Z")
        let before = try ws.export().count
        let result = try ws.run(arguments, now: "2026-11-20T14:10:00Z")
        #expect(result.status != 0, "\(arguments) was accepted")
        #expect(result.stderr.contains("--max-wait") || result.stderr.contains("--wait") || result.stderr.contains("--speed"),
                "\(result.stderr)")
        #expect(try ws.export().count == before)
    }
}
