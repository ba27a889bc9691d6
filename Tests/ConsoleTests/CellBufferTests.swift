import Testing
@testable import Console

@Suite struct CellBufferTests {
    @Test func textThatDoesNotFitEndsInAnEllipsis() {
        var buffer = CellBuffer(width: 10, height: 1)
        #expect(buffer.put("incident commander", x: 0, y: 0) == 10)
        #expect(buffer.lines == ["incident …"])
    }

    @Test func wideCharacterNeverStraddlesTheLimit() {
        var buffer = CellBuffer(width: 8, height: 1)
        #expect(buffer.put("中文字", x: 0, y: 0, limit: 5) == 5)
        #expect(buffer.lines == ["中文…"])
        #expect(buffer[1, 0].isContinuation)
        #expect(buffer.put("中文字", x: 0, y: 0, limit: 4, ellipsis: false) == 4)
    }

    @Test func overwritingHalfAWideCharacterBlanksTheOtherHalf() {
        var buffer = CellBuffer(width: 6, height: 1)
        buffer.put("中文", x: 0, y: 0)
        buffer.put("x", x: 1, y: 0)
        #expect(buffer.line(0) == " x文  ")
        buffer.put("y", x: 2, y: 0)
        #expect(buffer.line(0) == " xy   ")
    }

    @Test func boxWithAWideTitleKeepsItsCorners() {
        var buffer = CellBuffer(width: 10, height: 3)
        buffer.box(buffer.bounds, title: "事故时间线很长")
        #expect(buffer.lines == ["┌ 事故时…┐", "│        │", "└────────┘"])
        #expect(buffer[9, 0].text == "┐")
    }

    @Test func controlCharactersBecomeVisibleSymbols() {
        var buffer = CellBuffer(width: 20, height: 1)
        buffer.put("a\u{1B}[2J\u{07}\u{7F}\u{85}\tb", x: 0, y: 0)
        #expect(buffer.lines == ["a␛[2J␇␡�␉b"])
    }

    @Test func bidiOverridesAreDropped() {
        var buffer = CellBuffer(width: 20, height: 1)
        buffer.put("abc\u{202E}def", x: 0, y: 0)
        #expect(buffer.lines == ["abcdef"])
    }

    @Test func writesOutsideTheBufferAreIgnored() {
        var buffer = CellBuffer(width: 4, height: 2)
        #expect(buffer.put("hi", x: 4, y: 0) == 0)
        #expect(buffer.put("hi", x: 0, y: 2) == 0)
        #expect(buffer.put("hi", x: -1, y: 0) == 0)
        #expect(buffer.lines == ["", ""])
    }
}
