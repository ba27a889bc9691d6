import IncidentCore
import Testing

@Suite("Inert text")
struct InertTextTests {
    @Test(arguments: [
        ("plain text, ünïcödé, 漢字", "plain text, ünïcödé, 漢字"),
        ("\u{1B}]0;owned\u{07}\u{1B}[2J", "␛]0;owned␇␛[2J"),
        ("del\u{7F} bs\u{08} cr\r", "del␡ bs␈ cr␍"),
        ("csi\u{9B}2J nel\u{85}", "csi⟨U+009B⟩2J nel⟨U+0085⟩"),
        ("\u{202E}desrever\u{202C} \u{2066}iso\u{2069}", "⟨U+202E⟩desrever⟨U+202C⟩ ⟨U+2066⟩iso⟨U+2069⟩"),
        ("zero\u{200B}width\u{2060}joiner\u{FEFF}", "zero⟨U+200B⟩width⟨U+2060⟩joiner⟨U+FEFF⟩"),
        ("a\u{200D}b", "a⟨U+200D⟩b"),
        ("line\nbreak\ttab", "line␊break␉tab"),
        ("\u{FFFF}", "⟨U+FFFF⟩"),
    ])
    func markers(text: String, inert: String) {
        #expect(InertText.make(text) == inert)
        #expect(InertText.make(inert) == inert, "making it inert again changes nothing")
    }

    @Test func keepingLinesKeepsLineFeedsAndTabsOnly() {
        #expect(InertText.make("one\n\ttwo\r\n\u{1B}[2J", keepingLines: true) == "one\n\ttwo␍\n␛[2J")
    }

    /// A joiner between emoji builds one picture; anywhere else it is hidden text.
    @Test func emojiSequencesKeepTheirJoiners() {
        for emoji in ["🧑‍💻", "🏳️‍🌈", "👨‍👩‍👧"] { #expect(InertText.make(emoji) == emoji) }
        #expect(InertText.make("1\u{200D}2 🧑\u{200D}") == "1⟨U+200D⟩2 🧑⟨U+200D⟩")
    }
}
