import Foundation
import IncidentCore
import Testing

/// Role and holder names take letters of every script, but nothing that could retitle a terminal or hide text.
@Suite struct NameTests {
    @Test(arguments: ["\u{1B}]0;pwned\u{07}", "ic\u{202E}", "com\u{200B}ms", "\u{FEFF}scribe", "dba\u{2066}x", "a\nb"])
    func unsafeRoleNamesAreRefused(role: String) {
        #expect(throws: RuleError.self) { try declared().decide(.assignRole(role: role, holder: "bob"), at: base, now: base) }
        #expect(throws: RuleError.self) { try declared().decide(.assignRole(role: "ic", holder: role), at: base, now: base) }
    }

    @Test func theMessageNamesTheCharacter() {
        #expect(RuleError.unsafeName(what: "the role", name: "ic\u{202E}", character: 0x202E).description
            == "the role \"ic⟨U+202E⟩\" contains an invisible or control character (U+202E); names may use letters of any "
                + "script, digits, spaces and punctuation")
    }

    @Test func lettersOfEveryScriptStayAllowed() throws {
        for role in ["值班长", "comms lead", "Zuständige", "on-call #2"] {
            #expect(throws: Never.self) { try declared().decide(.assignRole(role: role, holder: "陈"), at: base, now: base) }
        }
    }
}
