import CNcursesw
import Console

/// Turns what `wget_wch` returns into the console's keys.
enum KeyDecoder {
    /// A key code (`wget_wch` returned `KEY_CODE_YES`); `nil` for keys the console has no use for.
    static func functionKey(_ code: Int32) -> Key? {
        switch code {
        case KEY_UP: .up
        case KEY_DOWN: .down
        case KEY_LEFT: .left
        case KEY_RIGHT: .right
        case KEY_HOME: .home
        case KEY_END: .end
        case KEY_PPAGE: .pageUp
        case KEY_NPAGE: .pageDown
        case KEY_BTAB: .backTab
        case KEY_BACKSPACE: .backspace
        case KEY_DC: .delete
        case KEY_ENTER: .enter
        case KEY_F0 + 1...KEY_F0 + 63: .function(Int(code - KEY_F0))
        default: nil
        }
    }

    /// A character (`wget_wch` returned `OK`).
    static func character(_ value: UInt32) -> Key? {
        switch value {
        case 127, 8: return .backspace
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 0: return .ctrl("@")
        case 1...26: return .ctrl(Character(Unicode.Scalar(UInt8(value) + 0x60)))
        case 28...31: return .ctrl(Character(Unicode.Scalar(UInt8(value) + 0x40)))
        case 0x80...0x9F: return nil  // C1 controls never come from a keyboard; drop rather than show
        default:
            guard let scalar = Unicode.Scalar(value) else { return nil }
            return .char(Character(scalar))
        }
    }
}
