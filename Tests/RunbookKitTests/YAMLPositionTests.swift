import ContactsKit
import Foundation
import IncidentCore
import RunbookKit
import Testing

/// A character libyaml's reader refuses (a control character) is reported at its own line and column, not on line 1
/// with the position buried in the text: in contacts.yaml, a runbook's front matter and a drill scenario alike.
@Suite struct YAMLPositionTests {
    @Test func aControlCharacterIsReportedWhereItIs() throws {
        let contacts = "people:\n  sam:\n    name: s\u{01}am\n"
        let (_, problems) = ContactsFile.parse(contacts, path: "contacts.yaml")
        #expect(problems.map(\.description) == ["contacts.yaml:3: bad YAML: control characters are not allowed (column 12)"])

        let runbook = "---\nid: x\ntitle: b\u{01}ad\nseverities: [L1]\n---\n## Phase\n- [ ] step\n"
        let (_, lint) = RunbookParser.parse(text: runbook, path: "r.md")
        #expect(lint.map(\.description).contains("r.md:3: bad front matter: control characters are not allowed (column 9)"),
                "\(lint)")

        let scenario = "id: d\ntitle: D\nrunbooks: [x]\nseverity: L2\ninjects:\n  - \"T+1m note: a\u{7f}b\"\n"
        let (_, found) = DrillScenarioParser.parse(text: scenario, path: "d.yaml")
        #expect(found.map(\.description) == ["d.yaml:6: bad YAML: control characters are not allowed (column 18)"], "\(found)")
    }
}
