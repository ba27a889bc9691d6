import Foundation
import IncidentCore

/// Why a postmortem was not written. Nothing is written and nothing recorded when one is thrown.
public struct PostmortemWriteError: Error, Equatable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// What one generation produced.
public struct PostmortemOutcome: Sendable {
    /// The file written.
    public var file: URL
    /// The path as recorded: relative to the workspace when inside it.
    public var recordedPath: String
    /// The timeline entry recording the generation; nil for a closed incident, which takes no more entries.
    public var event: Event?
    public var facts: PostmortemFacts
    public var text: String
}

/// Generates an incident's postmortem from its events into a Markdown file and records the generation on its
/// timeline, for the CLI and the console alike.
public struct PostmortemWriter: Sendable {
    public var workspace: URL
    public var timeZone: TimeZone
    public var policy: Policy

    public init(workspace: URL, timeZone: TimeZone, policy: Policy = .standard) {
        self.workspace = workspace.standardizedFileURL
        self.timeZone = timeZone
        self.policy = policy
    }

    /// The workspace's own template, used when no --template is given.
    public var workspaceTemplate: URL { workspace.appendingPathComponent("postmortem.mustache") }

    /// `WORKSPACE/postmortems/INC-n.md`.
    public func defaultOutput(for incident: IncidentID) -> URL {
        DocumentFile.folder(in: workspace).appendingPathComponent("\(incident).md")
    }

    /// The template to use: `explicit` (a --template file), else `WORKSPACE/postmortem.mustache` if it exists,
    /// else the built-in one. A template with any problem is refused with `path:line: message`.
    public func template(explicit: URL?) throws(TemplateError) -> PostmortemTemplate {
        if let explicit { return try PostmortemTemplate(contentsOf: explicit) }
        if FileManager.default.fileExists(atPath: workspaceTemplate.path) {
            return try PostmortemTemplate(contentsOf: workspaceTemplate)
        }
        return PostmortemTemplate.builtIn
    }

    /// Renders the postmortem of `incident` as of `now` and writes it to `output` (default `defaultOutput`), then
    /// records the generation, both inside one store transaction: if the file cannot be written nothing is recorded.
    /// An existing file is replaced only if it is exactly what Warroom last wrote there, or with `force`, so text
    /// people have added to a generated postmortem is never silently lost.
    @discardableResult
    public func generate(
        incident: IncidentID, store: any EventStore, template: PostmortemTemplate, output: URL? = nil,
        force: Bool = false, now: Date, actor: String
    ) async throws -> PostmortemOutcome {
        let events = try await store.events(of: incident)
        guard let state = IncidentState.fold(events) else { throw StoreError.unknownIncident(incident) }
        let facts = PostmortemFacts(state: state, events: events, asOf: now, policy: policy)
        let text = template.render(facts, timeZone: timeZone)
        let file = (output ?? defaultOutput(for: incident)).standardizedFileURL
        let recorded = recordedPath(file)
        let digest = PostmortemDigest.of(text)

        if state.lifecycle == .closed {
            try checkOverwrite(file, recorded: recorded, state: state, force: force)
            try write(text, to: file)
            return PostmortemOutcome(file: file, recordedPath: recorded, event: nil, facts: facts, text: text)
        }
        let stored = try await store.append(to: incident) { current in
            let payload = try current.decidePostmortem(path: recorded, throughEvent: facts.throughEvent, digest: digest,
                                                       at: now, now: now, policy: policy)
            // Checked against the state inside the transaction, so another writer's generation counts.
            try checkOverwrite(file, recorded: recorded, state: current, force: force)
            try write(text, to: file)
            return [EventDraft(occurredAt: now, recordedAt: now, actor: actor, payload: payload)]
        }
        return PostmortemOutcome(file: file, recordedPath: recorded, event: stored.first, facts: facts, text: text)
    }

    /// Relative to the workspace when the file is inside it, so the timeline reads `postmortems/INC-1.md`.
    public func recordedPath(_ file: URL) -> String { DocumentFile.relativePath(file, in: workspace) }

    private func checkOverwrite(_ file: URL, recorded: String, state: IncidentState, force: Bool) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory) else { return }
        if isDirectory.boolValue { throw PostmortemWriteError("\(file.path) is a directory; give a file with --output") }
        if force { return }
        guard let last = state.postmortem.latest(at: recorded) else {
            throw PostmortemWriteError(
                "\(file.path) already exists and was not written by `warroom postmortem` for \(state.id); "
                    + "pass --force to replace it, or --output another file")
        }
        guard let existing = FileManager.default.contents(atPath: file.path) else {
            throw PostmortemWriteError("cannot read \(file.path) to check it before replacing it")
        }
        if PostmortemDigest.of(existing) != last.digest {
            throw PostmortemWriteError(
                "\(file.path) has been edited since it was generated; pass --force to replace it (the edits are lost), "
                    + "or --output another file")
        }
    }

    private func write(_ text: String, to file: URL) throws { try DocumentFile.write(text, to: file, workspace: workspace) }

}

/// How Warroom writes the documents it generates (postmortems, score cards).
enum DocumentFile {
    /// `WORKSPACE/postmortems/`, where documents go by default.
    static func folder(in workspace: URL) -> URL {
        workspace.standardizedFileURL.appendingPathComponent("postmortems", isDirectory: true)
    }

    /// Writes through a temporary file and a rename, so a crash leaves the old file or the new one, never half of
    /// one. New directories and files are private to the owner, like the rest of the workspace; the workspace's own
    /// `postmortems/` is made private even when it already existed (a folder chosen with --output is left as it is).
    static func write(_ text: String, to file: URL, workspace: URL) throws {
        let directory = file.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw PostmortemWriteError("cannot create \(directory.path): \((error as NSError).localizedDescription)")
        }
        if directory.standardizedFileURL.path == folder(in: workspace).path { _ = chmod(directory.path, 0o700) }
        let temporary = directory.appendingPathComponent(".\(file.lastPathComponent).\(getpid()).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: Data(text.utf8),
                                             attributes: [.posixPermissions: 0o600])
        else {
            throw PostmortemWriteError("cannot write \(file.path): permission denied or no space")
        }
        if rename(temporary.path, file.path) != 0 {
            let code = errno
            try? FileManager.default.removeItem(at: temporary)
            throw PostmortemWriteError("cannot write \(file.path): \(String(cString: strerror(code)))")
        }
    }

    /// Relative to the workspace when the file is inside it, so the timeline reads `postmortems/INC-1.md`.
    static func relativePath(_ file: URL, in workspace: URL) -> String {
        let base = workspace.path.hasSuffix("/") ? workspace.path : workspace.path + "/"
        return file.path.hasPrefix(base) ? String(file.path.dropFirst(base.count)) : file.path
    }
}

/// A fingerprint of a generated postmortem's text (64-bit FNV-1a): enough to notice that people edited the file,
/// not a security measure.
public enum PostmortemDigest {
    public static func of(_ text: String) -> String {
        var text = text
        return text.withUTF8 { hex(of: UnsafeRawBufferPointer($0)) }
    }

    public static func of(_ data: Data) -> String {
        data.withUnsafeBytes { hex(of: $0) }
    }

    private static func hex(of bytes: UnsafeRawBufferPointer) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
