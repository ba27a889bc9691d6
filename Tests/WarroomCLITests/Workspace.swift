import Foundation
import WarroomTestSupport

/// One test's workspace and a way to run `warroom` against it at a pinned time.
struct Workspace {
    let url: URL
    var actor = "maria"
    var timeZone = "UTC"

    /// With an empty `Runbooks/`, declarations attach nothing unless a test puts runbooks there; without it they
    /// would attach the runbooks shipped with Warroom (`withShippedRunbooks` keeps that fallback).
    init(withShippedRunbooks: Bool = false) throws {
        url = try makeTemporaryDirectory("warroom-cli")
        if !withShippedRunbooks {
            try FileManager.default.createDirectory(at: url.appendingPathComponent("Runbooks"), withIntermediateDirectories: true)
        }
    }

    /// Runs `warroom ARGS` with the clock pinned at `now` (ISO 8601).
    @discardableResult
    func run(_ arguments: [String], now: String, environment: [String: String] = [:]) throws -> ProcessResult {
        var env = ["WARROOM_WORKSPACE": url.path, "WARROOM_NOW": now, "WARROOM_ACTOR": actor, "TZ": timeZone]
        for (k, v) in environment { env[k] = v }
        return try BuiltProduct.run("warroom", arguments, environment: env)
    }

    /// Runs a command that must succeed and returns its standard output.
    @discardableResult
    func ok(_ arguments: [String], now: String) throws -> String {
        let result = try run(arguments, now: now)
        guard result.status == 0 else {
            throw Failure("warroom \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
        }
        return result.stdout
    }

    /// The event log as exported JSON objects.
    func export() throws -> [[String: Any]] {
        try ok(["export"], now: "2026-11-20T23:59:00Z").split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }
}

struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
