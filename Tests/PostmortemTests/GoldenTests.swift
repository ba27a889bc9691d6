import Foundation
import IncidentCore
import Postmortem
import Testing

/// The whole document for the storage-restore outage, compared with a reviewed copy. After an intended change,
/// regenerate it with `WARROOM_UPDATE_GOLDEN=1 swift test --filter GoldenTests` and review the diff.
@Suite("Postmortem golden file")
struct GoldenTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Golden/storage-restore.md")

    @Test func storageRestoreOutage() throws {
        let replay = try PostmortemTests.storageRestoreOutage()
        let text = PostmortemTemplate.builtIn.render(replay.facts(asOf: "23:30"), timeZone: utc)
        if ProcessInfo.processInfo.environment["WARROOM_UPDATE_GOLDEN"] == "1" {
            try text.write(to: Self.golden, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: Self.golden, encoding: .utf8)
        if text != expected {
            let actual = FileManager.default.temporaryDirectory.appendingPathComponent("storage-restore.actual.md")
            try text.write(to: actual, atomically: true, encoding: .utf8)
            Issue.record("the postmortem differs from \(Self.golden.path); see diff -u \(Self.golden.path) \(actual.path)")
        }
    }

    /// The same figures as the facts tests, as the document states them.
    @Test func theDocumentStatesTheFigures() throws {
        let text = PostmortemTemplate.builtIn.render(try PostmortemTests.storageRestoreOutage().facts(asOf: "23:30"), timeZone: utc)
        let lines = Set(text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
        for expected in [
            "# Postmortem: INC-1 Document storage offline",
            "| First signal | 14:07 | #3: alert fired: storage health check failing on 14 of 20 nodes |",
            "| Acknowledged | 14:16 | first page acknowledged |",
            "| Declared | 14:12 | L2, by maria |",
            "| Severity L2 → L1 | 14:20 | data at risk: nodes wiped by the ops tool |",
            "| Mitigation started | 15:10 | entered mitigating |",
            "| Severity L1 → L2 | 19:05 | restore done; integrity check running, no data at risk |",
            "| Mitigated | 21:00 | entered monitoring |",
            "| Resolved | 22:00 | resolved |",
            "| MTTA | time to acknowledge | first signal → first page acknowledged | 9m |",
            "| MTTD | time to declare | first signal → declared | 5m |",
            "| MTTM | time to mitigate | first signal → mitigated | 6h 53m |",
            "| MTTR | time to resolve | first signal → resolved | 7h 53m |",
            "| L1 | 4h 45m |",
            "| L2 | 3h 03m |",
            "7 of 12 updates owed went out on time (58%); the worst was 2h 51m late.",
            "| 19:06 | 16:15 | 2h 51m late | L2 | chen | Restore complete; verifying integrity before reopening. Next update 19:21. |",
            "| 22:02 | — | after resolution | L2 | chen | Resolved: document storage fully recovered at 22:00. |",
            "| incident commander | maria | 14:12 | 16:10 |",
            "| incident commander | bob | 16:10 | the end |",
            "Never handed out, so held by the incident commander: deputy.",
            "| 40 | 15:13 | note | maria | restore at 28% _(corrected by #42; first written: “restore at 18%”)_ |",
            "| 3 | 14:07 | note | maria | alert fired: storage health check failing on 14 of 20 nodes _(recorded 14:14)_ |",
            "4 pages sent, 2 acknowledged, 2 unanswered.",
            "| 14:13 | Ana Ruiz | storage, primary | phone | maria | 14:16 | 3m |",
            "| 14:13 | Sam Lee | dba, primary | chat | maria | never | — |",
            "| 14:20 | Kim Park (escalated from Sam Lee) | dba, secondary | phone | maria | 14:24 | 4m |",
            "| Storage nodes lost — restore from backup (storage-restore) | 14:12 | 10 | 1 | 1 |",
            "| 14:24 | storage-restore #2 Freeze every ops tool that can touch storage | done | ana | 12m, over by 2m |",
            "| 15:15 | storage-restore #7 Write down every write accepted after the backup time | skipped: storage was offline: no writes were accepted after the backup | kim | — |",
            "| 19:00 | storage-restore #8 Restore complete | done | kim | 4h 00m, within 4h 00m |",
            "| — | storage-restore #12 Send the final broadcast | not done | — | — |",
            "| storage-restore | hardware_engaged | within 15m | 14:15, after 8m | met, 7m to spare |",
            "| storage-restore | restore_started | within 1h 00m | 15:10, after 1h 03m | missed by 3m |",
            "| storage-restore | recovered | within 7h 30m | 22:00, after 7h 53m | missed by 23m |",
            "| update #44 | status-page | 2 | delivered at 16:01 |",
            "| update #54 | status-page | 2 | given up after 2 attempts: HTTP 401: token rejected |",
        ] {
            #expect(lines.contains(expected), "missing line: \(expected)")
        }
        // Names, never numbers, handles or webhook addresses.
        for secret in ["555", "@sam", "://", "s3cret", "T0KEN"] {
            #expect(!text.contains(secret), "the postmortem contains \(secret)")
        }
    }
}
