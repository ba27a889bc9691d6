import ContactsKit
import Foundation
import IncidentCore

/// The demo's escalation contacts: the shipped example file, and the pages the storage outage story made.
enum DemoContacts {
    /// Writes the example contacts into the demo workspace, leaving a contacts file already there alone.
    static func write(into workspace: URL) throws {
        let url = workspace.appendingPathComponent(ContactsFile.fileName)
        guard !FileManager.default.fileExists(atPath: url.path) else { return }
        try Data(ContactsExample.yaml.utf8).write(to: url, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
    }

    /// Pages and acknowledgements as the story had them: the commander, tech lead and communications lead answer;
    /// the executive missed the page, and the escalation to the secondary went out three minutes ago, so the demo
    /// opens with an acknowledgement counting down.
    static func seedPages(into store: some EventStore, incident: IncidentID, workspace: URL, now: Date) async throws {
        guard case .loaded(let book) = ContactsFile.load(workspace: workspace) else { return }
        func at(_ minutesAgo: Double) -> Date { now.addingTimeInterval(-minutesAgo * 60) }
        let story: [(minutesAgo: Double, actor: String, target: String, ack: Bool)] = [
            (52, "maria", "ic", false), (51, "maria", "ic", true),
            (45, "maria", "tech-lead", false), (45, "maria", "comms", false), (45, "maria", "exec", false),
            (44, "chen", "comms", true), (42, "maria", "tech-lead", true),
            (3, "maria", "exec", false),
        ]
        for step in story {
            let when = at(step.minutesAgo)
            _ = try await store.append(to: incident) { state in
                let command: IncidentCommand
                if step.ack {
                    command = .paging(.acknowledge(step.target))
                } else {
                    command = .paging(.page(try state.proposePage(step.target, contacts: book, now: when).order))
                }
                let payload = try state.decide(command, at: when, now: when)
                return [EventDraft(occurredAt: when, recordedAt: when, actor: step.actor, payload: payload)]
            }
        }
    }
}
