/// Makes untrusted text safe to show: every character that could drive a terminal or hide or reorder text becomes
/// a visible marker. Control characters (C0, DEL) become Unicode control pictures (`␛[2J`); C1 controls,
/// bidirectional overrides and isolates, zero-width characters and the noncharacters U+FFFE/U+FFFF become their
/// code point (`⟨U+202E⟩`). Markers are printable text, so the result is also fit for an XML 1.0 or HTML document
/// before that format's own escaping, and making it inert a second time changes nothing.
public enum InertText {
    /// `keepingLines` keeps line feeds and tabs, for text whose lines are meant (a whole report, a message body).
    /// Without it they are shown as `␊` and `␉` too, so one entry's text cannot pass itself off as several lines.
    public static func make(_ text: String, keepingLines: Bool = false) -> String {
        let scalars = text.unicodeScalars
        guard scalars.contains(where: { isMarked($0) && !(keepingLines && isLineBreakOrTab($0)) }) else { return text }
        let all = Array(scalars)
        var out = String.UnicodeScalarView()
        for (i, s) in all.enumerated() {
            if !isMarked(s) || keepingLines && isLineBreakOrTab(s) || joinsEmoji(all, at: i) {
                out.append(s)
            } else {
                out.append(contentsOf: marker(s).unicodeScalars)
            }
        }
        return String(out)
    }

    /// Whether `make` shows `scalar` as a marker (line feed and tab included; `keepingLines` aside).
    public static func isMarked(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        // Zero-width space, non-joiner, joiner; left-to-right and right-to-left marks.
        case 0x200B...0x200F: true
        // Bidirectional embeddings and overrides.
        case 0x202A...0x202E: true
        // Word joiner, invisible operators, bidirectional isolates.
        case 0x2060...0x2069: true
        // Zero-width no-break space (a byte order mark), and the noncharacters XML 1.0 forbids.
        case 0xFEFF, 0xFFFE, 0xFFFF: true
        default: false
        }
    }

    private static func isLineBreakOrTab(_ s: Unicode.Scalar) -> Bool { s == "\n" || s == "\t" }

    /// A zero-width joiner between two emoji builds one picture (🧑‍💻); there it hides nothing, and a marker would
    /// split the picture in two.
    private static func joinsEmoji(_ scalars: [Unicode.Scalar], at i: Int) -> Bool {
        guard scalars[i].value == 0x200D, i > 0, i + 1 < scalars.count else { return false }
        let before = scalars[i - 1], after = scalars[i + 1]
        // U+FE0F asks for the emoji presentation of the character before it (🏳️‍🌈).
        return (isEmoji(before) || before.value == 0xFE0F) && isEmoji(after)
    }

    /// Emoji proper: digits, `#` and `*` are emoji only as the start of a keycap, and no keycap takes a joiner.
    private static func isEmoji(_ s: Unicode.Scalar) -> Bool { s.value > 0x7F && s.properties.isEmoji }

    private static func marker(_ s: Unicode.Scalar) -> String {
        switch s.value {
        case 0x00...0x1F: return String(Unicode.Scalar(0x2400 + s.value)!)
        case 0x7F: return "␡"
        default:
            let hex = String(s.value, radix: 16, uppercase: true)
            return "⟨U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "⟩"
        }
    }
}
