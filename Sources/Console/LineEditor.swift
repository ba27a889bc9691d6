/// The command line's text, edited by grapheme so the cursor never lands inside a character, with history.
public struct LineEditor: Sendable, Equatable {
    /// The text as graphemes; the cursor is an index into it.
    private var characters: [Character] = []
    /// The insertion point, in graphemes from the start.
    public private(set) var cursor = 0
    private var history: [String] = []
    /// Where Up/Down browsing is in `history`; `nil` while editing a fresh line.
    private var historyIndex: Int?
    /// The unfinished line put aside while browsing history, restored by Down past the newest entry.
    private var draft: [Character] = []

    public init() {}

    public var text: String { String(characters) }
    public var isEmpty: Bool { characters.isEmpty }

    /// Inserts at the cursor. A combining mark joins the character before it, as it would on paper.
    public mutating func insert(_ c: Character) {
        if cursor > 0, TextWidth.width(of: c) == 0 {
            let joined = String(characters[cursor - 1]) + String(c)
            if joined.count == 1 {
                characters[cursor - 1] = Character(joined)
                return
            }
        }
        characters.insert(c, at: cursor)
        cursor += 1
    }

    /// Replaces the line, cursor at the end.
    public mutating func set(_ text: String) {
        characters = Array(text)
        cursor = characters.count
        historyIndex = nil
    }

    public mutating func moveLeft() { cursor = max(0, cursor - 1) }
    public mutating func moveRight() { cursor = min(characters.count, cursor + 1) }
    public mutating func moveToStart() { cursor = 0 }
    public mutating func moveToEnd() { cursor = characters.count }

    public mutating func deleteBackward() {
        guard cursor > 0 else { return }
        characters.remove(at: cursor - 1)
        cursor -= 1
    }

    public mutating func deleteForward() {
        guard cursor < characters.count else { return }
        characters.remove(at: cursor)
    }

    public mutating func clear() {
        characters.removeAll()
        cursor = 0
    }

    /// Deletes back to the start of the word before the cursor, blanks first, as a shell's Ctrl-W does.
    public mutating func deleteWordBackward() {
        var start = cursor
        while start > 0, characters[start - 1].isWhitespace { start -= 1 }
        while start > 0, !characters[start - 1].isWhitespace { start -= 1 }
        characters.removeSubrange(start..<cursor)
        cursor = start
    }

    public mutating func historyPrevious() {
        guard !history.isEmpty else { return }
        let index: Int
        if let current = historyIndex {
            index = max(0, current - 1)
        } else {
            draft = characters
            index = history.count - 1
        }
        historyIndex = index
        characters = Array(history[index])
        cursor = characters.count
    }

    public mutating func historyNext() {
        guard let current = historyIndex else { return }
        if current + 1 < history.count {
            historyIndex = current + 1
            characters = Array(history[current + 1])
        } else {
            historyIndex = nil
            characters = draft
            draft = []
        }
        cursor = characters.count
    }

    /// Files the line in history and empties it: called once the line has been accepted.
    public mutating func commit() {
        let line = text
        if !line.isEmpty, history.last != line { history.append(line) }
        historyIndex = nil
        draft = []
        clear()
    }

    /// The part of the line to show in `columns` columns, keeping the cursor in view. `clipped` means text
    /// is hidden on the left (the view draws `…` there); `cursorColumn` counts from after that mark.
    func window(columns: Int) -> (text: String, cursorColumn: Int, clipped: Bool) {
        let widths = characters.map { TextWidth.columns(String($0)) }
        let beforeCursor = widths[..<cursor].reduce(0, +)
        if beforeCursor < columns {
            return (text, beforeCursor, false)
        }
        var start = 0
        var used = beforeCursor
        while start < cursor, used > columns - 2 {
            used -= widths[start]
            start += 1
        }
        return (String(characters[start...]), used, true)
    }
}
