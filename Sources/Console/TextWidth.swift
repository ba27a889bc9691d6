/// Terminal column widths of text, independent of the C library's locale so buffer tests need no terminal.
public enum TextWidth {
    /// A grapheme ready for a cell: control characters replaced by visible symbols, with its width.
    public struct Grapheme: Sendable, Equatable {
        public var text: String
        public var width: Int
    }

    /// Splits text into displayable graphemes. Control characters (C0, DEL, C1) become the
    /// Unicode control pictures (`␛` for ESC), so stored text can never drive the terminal.
    public static func displayable(_ text: String) -> [Grapheme] {
        var out: [Grapheme] = []
        out.reserveCapacity(text.utf8.count)
        for ch in text {
            let scalars = ch.unicodeScalars
            let first = scalars.first!
            if let picture = controlPicture(first) {
                out.append(Grapheme(text: picture, width: 1))
                continue
            }
            // Drop invisible format characters that would reorder or hide text (bidi overrides, zero-width joiners alone).
            let visible = String(String.UnicodeScalarView(scalars.filter { !isHiddenFormat($0) || scalars.count > 1 && $0.value == 0x200D }))
            if visible.isEmpty { continue }
            let w = width(of: ch)
            if w == 0 {
                // A lone combining mark: show it on a space so it occupies a cell of its own.
                out.append(Grapheme(text: " " + visible, width: 1))
            } else {
                out.append(Grapheme(text: visible, width: w))
            }
        }
        return out
    }

    /// The number of columns text takes on screen.
    public static func columns(_ text: String) -> Int {
        displayable(text).reduce(0) { $0 + $1.width }
    }

    /// Cuts text to at most `limit` columns (never splitting a wide character).
    public static func prefix(_ text: String, columns limit: Int) -> String {
        var used = 0
        var out = ""
        for g in displayable(text) {
            if used + g.width > limit { break }
            out += g.text
            used += g.width
        }
        return out
    }

    /// Columns for one grapheme: 2 for East Asian wide and emoji presentation, 0 for lone combining marks.
    public static func width(of ch: Character) -> Int {
        let scalars = ch.unicodeScalars
        let first = scalars.first!
        if scalars.contains(where: { $0.value == 0xFE0F }) { return 2 }
        return width(of: first)
    }

    /// Columns for one scalar.
    public static func width(of s: Unicode.Scalar) -> Int {
        let v = s.value
        if v < 0x300 { return 1 }
        switch s.properties.generalCategory {
        case .nonspacingMark, .enclosingMark: return 0
        default: break
        }
        if v >= 0x1160 && v <= 0x11FF { return 0 }  // Hangul medial vowels and final consonants
        if v == 0x200B { return 0 }
        return isWide(v) ? 2 : 1
    }

    private static func isWide(_ v: UInt32) -> Bool {
        for r in wideRanges where v >= r.lowerBound {
            if v <= r.upperBound { return true }
        }
        return false
    }

    /// East Asian Wide and Fullwidth ranges, plus emoji with default emoji presentation.
    private static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0...0x23F0, 0x23F3...0x23F3,
        0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F...0x267F, 0x2693...0x2693, 0x26A1...0x26A1,
        0x26AA...0x26AB, 0x26BD...0x26BE, 0x26C4...0x26C5, 0x26CE...0x26CE, 0x26D4...0x26D4, 0x26EA...0x26EA,
        0x26F2...0x26F3, 0x26F5...0x26F5, 0x26FA...0x26FA, 0x26FD...0x26FD, 0x2705...0x2705, 0x270A...0x270B,
        0x2728...0x2728, 0x274C...0x274C, 0x274E...0x274E, 0x2753...0x2755, 0x2757...0x2757, 0x2795...0x2797,
        0x27B0...0x27B0, 0x27BF...0x27BF, 0x2B1B...0x2B1C, 0x2B50...0x2B50, 0x2B55...0x2B55,
        0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F,
        0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
        0x16FE0...0x16FE4, 0x17000...0x18CFF, 0x1B000...0x1B2FF, 0x1F004...0x1F004, 0x1F0CF...0x1F0CF,
        0x1F18E...0x1F18E, 0x1F191...0x1F19A, 0x1F200...0x1F202, 0x1F210...0x1F23B, 0x1F240...0x1F248,
        0x1F250...0x1F251, 0x1F260...0x1F265, 0x1F300...0x1F320, 0x1F32D...0x1F335, 0x1F337...0x1F37C,
        0x1F37E...0x1F393, 0x1F3A0...0x1F3CA, 0x1F3CF...0x1F3D3, 0x1F3E0...0x1F3F0, 0x1F3F4...0x1F3F4,
        0x1F3F8...0x1F43E, 0x1F440...0x1F440, 0x1F442...0x1F4FC, 0x1F4FF...0x1F53D, 0x1F54B...0x1F54E,
        0x1F550...0x1F567, 0x1F57A...0x1F57A, 0x1F595...0x1F596, 0x1F5A4...0x1F5A4, 0x1F5FB...0x1F64F,
        0x1F680...0x1F6C5, 0x1F6CC...0x1F6CC, 0x1F6D0...0x1F6D2, 0x1F6D5...0x1F6D7, 0x1F6DC...0x1F6DF,
        0x1F6EB...0x1F6EC, 0x1F6F4...0x1F6FC, 0x1F7E0...0x1F7EB, 0x1F7F0...0x1F7F0, 0x1F90C...0x1F93A,
        0x1F93C...0x1F945, 0x1F947...0x1F9FF, 0x1FA70...0x1FAFF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]

    private static func controlPicture(_ s: Unicode.Scalar) -> String? {
        switch s.value {
        case 0x00...0x1F: return String(Unicode.Scalar(0x2400 + s.value)!)
        case 0x7F: return "␡"
        case 0x80...0x9F: return "�"
        default: return nil
        }
    }

    /// Bidirectional overrides and isolates, and other invisible format characters.
    private static func isHiddenFormat(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x2069, 0xFEFF: return true
        default: return false
        }
    }
}
