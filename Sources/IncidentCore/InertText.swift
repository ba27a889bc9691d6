/// Makes untrusted text safe to print on a terminal: control characters (C0, DEL, C1),
/// and with them every escape sequence, become visible Unicode control pictures (`␛[2J`).
public enum InertText {
    public static func make(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            switch s.value {
            case 0x00...0x1F: out.append(Unicode.Scalar(0x2400 + s.value)!)
            case 0x7F: out.append("␡")
            case 0x80...0x9F: out.append("�")
            default: out.append(s)
            }
        }
        return String(out)
    }

    private static func isControl(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || (0x7F...0x9F).contains(s.value)
    }
}
