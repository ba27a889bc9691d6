/// A key press as the console understands it, decoded by the terminal backend.
public enum Key: Sendable, Hashable {
    case char(Character)
    case ctrl(Character)
    case enter, tab, backTab, backspace, delete, escape
    case up, down, left, right, home, end, pageUp, pageDown
    case function(Int)
}
