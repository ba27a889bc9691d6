import Testing
import Foundation
import IncidentCore
@testable import Console

@Suite struct CommandLineTests {
    @Test func commandLineHasFocusAtStart() {
        var model = console()
        #expect(model.focus == .commandLine)
        model.type("hello")
        #expect(model.lines[23] == "> hello")
        #expect(model.cursor! == (7, 23))
    }

    @Test func cursorMovesAndInsertsInTheMiddle() {
        var model = console()
        model.type("helo")
        model.press(.left)
        model.type("l")
        #expect(model.editor.text == "hello")
        #expect(model.cursor! == (6, 23))
        model.press(.home)
        model.type(">")
        model.press(.end)
        model.type("!")
        model.press(.ctrl("a"))
        model.type("[")
        model.press(.ctrl("e"))
        model.type("]")
        #expect(model.editor.text == "[>hello!]")
        model.press(.right)
        #expect(model.cursor! == (11, 23))
    }

    @Test func deletingCharactersWordsAndLines() {
        var model = console()
        model.type("roll back deploy")
        model.press(.backspace)
        #expect(model.editor.text == "roll back deplo")
        model.press(.home, .delete)
        #expect(model.editor.text == "oll back deplo")
        model.press(.end, .ctrl("w"))
        #expect(model.editor.text == "oll back ")
        model.press(.ctrl("w"))
        #expect(model.editor.text == "oll ")
        model.press(.ctrl("u"))
        #expect(model.editor.text == "")
        #expect(model.lines[23] == ">")
    }

    @Test func wideCharactersMoveTheCursorTwoColumns() {
        var model = console()
        model.type("你好")
        #expect(model.cursor! == (6, 23))
        model.press(.left)
        #expect(model.cursor! == (4, 23))
        model.type("a")
        #expect(model.editor.text == "你a好")
        #expect(model.lines[23] == "> 你a好")
        #expect(model.cursor! == (5, 23))
        model.press(.backspace, .backspace)
        #expect(model.editor.text == "好")
    }

    @Test func combiningMarkJoinsItsLetter() {
        var model = console()
        model.type("cafe")
        model.press(.key("\u{301}"))
        #expect(model.editor.text == "café")
        #expect(model.editor.cursor == 4)
        model.press(.backspace)
        #expect(model.editor.text == "caf")
    }

    @Test func historyRecallsSubmittedLinesAndKeepsTheDraft() {
        var model = console()
        #expect(model.submit("first") == [.record("INC-1", .note("first"), occurredAt: minute(10))])
        #expect(model.submit("second") == [.record("INC-1", .note("second"), occurredAt: minute(10))])
        model.type("draft")
        model.press(.up)
        #expect(model.editor.text == "second")
        model.press(.up, .up)
        #expect(model.editor.text == "first")
        model.press(.down)
        #expect(model.editor.text == "second")
        model.press(.down)
        #expect(model.editor.text == "draft")
    }

    @Test func longInputScrollsHorizontally() {
        var model = console()
        let text = (0..<10).map { "word\($0)-abcdefgh" }.joined(separator: " ")
        model.type(text)
        let line = model.lines[23]
        #expect(line.hasPrefix("> …"))
        #expect(line.hasSuffix("word9-abcdefgh"))
        #expect(model.cursor! == (79, 23))
        model.press(.home)
        #expect(model.lines[23].hasPrefix("> word0-abcdefgh word1"))
        #expect(model.lines[23].hasSuffix("…"))
        #expect(model.cursor! == (2, 23))
    }

    @Test func longWideInputKeepsTheCursorOnScreen() {
        var model = console()
        model.type(String(repeating: "中", count: 60))
        let (x, y) = model.cursor!
        #expect(y == 23 && x <= 79)
        #expect(TextWidth.columns(model.render().line(23)) == 80)
    }

    @Test func escapeLeavesTheCommandLineAndHidesTheCursor() {
        var model = console()
        model.type("draft")
        model.press(.escape)
        #expect(model.focus == .timeline)
        #expect(model.cursor == nil)
        model.type("j")
        #expect(model.editor.text == "draft")
        model.press(.char(":"))
        #expect(model.focus == .commandLine)
        #expect(model.cursor! == (7, 23))
    }

    @Test func refusedLineStaysForFixing() {
        var model = console()
        #expect(model.submit("/sev L1").isEmpty)
        #expect(model.editor.text == "/sev L1")
        #expect(model.lines[22] == "a severity change needs a reason")
        model.type(" database at risk")
        #expect(model.press(.enter) == [.record("INC-1", .changeSeverity(to: .l1, reason: "database at risk"), occurredAt: minute(10))])
        #expect(model.editor.text == "")
        #expect(model.lines[22].hasPrefix("Enter records a note"))
    }

    @Test func emptyLineDoesNothing() {
        var model = console()
        #expect(model.submit("   ").isEmpty)
        #expect(model.notice == nil)
    }
}

extension Key {
    /// A typed character, for characters that are awkward to write as a literal `Key`.
    static func key(_ text: String) -> Key { .char(Character(text)) }
}
