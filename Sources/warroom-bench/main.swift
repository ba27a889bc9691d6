// Warroom's benchmark: `swift run -c release warroom-bench [SECTION...]`. Prints figures beside their targets;
// it asserts nothing. To add a section, define a `BenchSection` (or a list of them) in its own file here
// and add it to `sections` below; `memory` stays last so its peak covers every section that ran before it.
import Foundation
import GRDB

// The team-store bench's second process (TeamStoreBench.follow), which must print nothing of the bench's own.
if CommandLine.arguments.dropFirst().first == "--follow" {
    exit(await TeamStoreBench.follow(Array(CommandLine.arguments.dropFirst(2))))
}

#if DEBUG
print("note: debug build; run with `-c release` for figures that mean anything")
#endif
let sqliteVersion = (try? DatabaseQueue().read { try String.fetchOne($0, sql: "SELECT sqlite_version()") }) ?? nil
print("warroom-bench: SQLite \(sqliteVersion ?? "?"), scratch in \(FileManager.default.temporaryDirectory.path)")

let sections: [BenchSection] = StoreBench.sections + ConsoleBench.sections + PostmortemBench.sections + TeamStoreBench.sections + [
    BenchSection(name: "memory", title: "peak memory of this run") {
        guard let peak = procStatusKiB("VmHWM") else { throw BenchError("no /proc/self/status on this system") }
        return [Figure("peak resident memory (VmHWM)", peak / 1024, "MiB", target: .atMost(150))]
    },
]

await runBenchmark(sections, arguments: Array(CommandLine.arguments.dropFirst()))
