import Foundation
import IncidentCore
import Testing
@testable import Console

/// `/postmortem` asks the runner to write the postmortem; the console itself does no I/O.
@Suite struct PostmortemRequestTests {
    @Test func asksTheRunnerToWriteIt() {
        var model = console()
        #expect(model.submit("/postmortem") == [.generatePostmortem("INC-1")])
        #expect(model.notice == nil)
        #expect(model.editor.text.isEmpty)
    }

    /// The generation comes back as a timeline entry like any other.
    @Test func theRecordedGenerationShowsOnTheTimeline() {
        var model = console()
        _ = model.update(.appended([event(7, .postmortem(.generated(path: "postmortems/INC-1.md", throughEvent: 6, digest: "d")),
                                          at: minute(10), by: "carol")]))
        #expect(model.lines.contains { $0.contains("postmort") && $0.contains("postmortem written to postmortems/INC-1.md") })
    }

    @Test(arguments: [
        ("/postmortem now", "/postmortem needs nothing after it (the CLI takes --output and --template): /postmortem"),
        ("/at 14:05 /postmortem", "a postmortem is written now; /at cannot backdate it"),
    ])
    func refused(line: String, message: String) {
        let (effects, shown) = run(line)
        #expect(effects.isEmpty)
        #expect(shown == message)
    }

    @Test func needsAnIncident() {
        let (effects, shown) = run("/postmortem", events: [])
        #expect(effects.isEmpty)
        #expect(shown == "no incident to write a postmortem for")
    }

    @Test func aClosedIncidentIsLeftToTheCommandLine() {
        let closed = demoEvents + [
            event(7, .stateChanged(from: .investigating, to: .closed, reason: nil, override: nil), at: minute(9)),
        ]
        let (effects, shown) = run("/postmortem", events: closed)
        #expect(effects.isEmpty)
        #expect(shown == "INC-1 is closed; rewrite its postmortem with: warroom postmortem --incident INC-1")
    }

    @Test func theHelpListsIt() {
        #expect(SlashCommand.postmortem.usage == "/postmortem")
        #expect(SlashCommand.allCases.contains(.postmortem))
    }
}
