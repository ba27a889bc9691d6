import Foundation

/// What a finished child process left behind.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Finds and runs the executables SwiftPM built beside the test bundle.
public enum BuiltProduct {
    /// The directory holding the built products (the test bundle's directory, whatever --scratch-path was).
    public static var directory: URL {
        var url = Bundle.main.bundleURL
        for candidate in [url] + CommandLine.arguments.prefix(1).map({ URL(fileURLWithPath: $0) }) {
            url = candidate
            while url.path != "/" {
                if url.pathExtension == "xctest" { return url.deletingLastPathComponent() }
                url = url.deletingLastPathComponent()
            }
        }
        return Bundle.main.bundleURL
    }

    /// The path of a built executable such as `warroom`.
    public static func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    /// Runs an executable to completion with extra environment variables and optional standard input.
    public static func run(_ name: String, _ arguments: [String], environment: [String: String] = [:], stdin: String? = nil) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path(name))
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        // Output goes to files, not pipes, so a chatty child can never block on a full pipe.
        let scratch = try makeTemporaryDirectory("warroom-run")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return ProcessResult(
            status: process.terminationStatus,
            stdout: try String(contentsOf: outURL, encoding: .utf8),
            stderr: try String(contentsOf: errURL, encoding: .utf8))
    }
}

/// A fresh directory under the system's temporary directory, for one test's workspace.
public func makeTemporaryDirectory(_ prefix: String = "warroom-test") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
