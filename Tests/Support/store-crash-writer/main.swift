// Appends notes to a workspace's store and prints each committed event id, for the store's
// multi-process and kill -9 tests. Usage: store-crash-writer WORKSPACE COUNT [--declare]
// COUNT 0 appends until killed. Without --declare it appends to the newest incident, declaring one if none exists.
import Foundation
import IncidentCore
import IncidentStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("store-crash-writer: \(message)\n".utf8))
    exit(1)
}

let arguments = Array(CommandLine.arguments.dropFirst())
let positional = arguments.filter { !$0.hasPrefix("--") }
guard positional.count == 2, let count = Int(positional[1]), count >= 0,
      arguments.allSatisfy({ !$0.hasPrefix("--") || $0 == "--declare" })
else { fail("usage: store-crash-writer WORKSPACE COUNT [--declare]") }

let workspace = URL(fileURLWithPath: positional[0], isDirectory: true)
let writer = "writer-\(getpid())"

do {
    let store = try SQLiteEventStore.open(workspace: workspace)
    let incident: IncidentID
    if let newest = try store.incidents().last, !arguments.contains("--declare") {
        incident = newest.id
    } else {
        let now = Date()
        let declared = try store.declare(EventDraft(
            occurredAt: now, recordedAt: now, actor: writer,
            payload: .declared(Declaration(title: "crash test", severity: .l3))))
        incident = declared.incident
        FileHandle.standardError.write(Data("declared \(incident) as event \(declared.id)\n".utf8))
    }

    var written = 0
    while count == 0 || written < count {
        written += 1
        let text = "\(writer) note \(written)"
        let events = try store.append(to: incident) { state in
            let now = Date()
            return [EventDraft(occurredAt: now, recordedAt: now, actor: writer,
                               payload: try state.decide(.note(text), at: now, now: now))]
        }
        // One line per acknowledged event, flushed at once (nil: every stream; `stdout` is not concurrency-safe to name).
        for event in events { print(event.id) }
        fflush(nil)
    }
} catch {
    fail("\(error)")
}
