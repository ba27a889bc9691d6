// Appends COUNT notes to INCIDENT in a team store's workspace and prints each committed event id, for the
// PostgreSQL store's multi-process tests. Usage: pg-writer URL WORKSPACE INCIDENT COUNT
import Foundation
import IncidentCore
import PostgresStore

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("pg-writer: \(message)\n".utf8))
    exit(1)
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count == 4, let count = Int(arguments[3]), count >= 0 else {
    fail("usage: pg-writer URL WORKSPACE INCIDENT COUNT")
}
let incident = arguments[2]
let writer = "writer-\(ProcessInfo.processInfo.processIdentifier)"

do {
    let store = try await PostgresStore.open(PostgresLocation(url: arguments[0], workspace: arguments[1]), listen: false)
    for written in 0..<count {
        let events = try await store.append(to: incident) { state in
            let now = Date()
            return [EventDraft(occurredAt: now, recordedAt: now, actor: writer,
                               payload: try state.decide(.note("\(writer) note \(written + 1)"), at: now, now: now))]
        }
        // One line per committed event, flushed at once (nil: every stream).
        for event in events { print(event.id) }
        fflush(nil)
    }
    await store.close()
} catch {
    fail("\(error)")
}
