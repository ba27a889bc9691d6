/// Colours a view may ask for; the terminal maps them to colour pairs, or drops them without colour.
public enum Color: UInt8, Sendable, CaseIterable {
    case black, red, green, yellow, blue, magenta, cyan, white
}

/// Text attributes. Without colour they alone must carry meaning (severity, overdue).
public struct Attributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let bold = Attributes(rawValue: 1 << 0)
    public static let reverse = Attributes(rawValue: 1 << 1)
    public static let underline = Attributes(rawValue: 1 << 2)
    public static let dim = Attributes(rawValue: 1 << 3)
    public static let blink = Attributes(rawValue: 1 << 4)
}

/// How a cell looks.
public struct Style: Sendable, Hashable {
    public var foreground: Color?
    public var background: Color?
    public var attributes: Attributes

    public init(foreground: Color? = nil, background: Color? = nil, attributes: Attributes = []) {
        self.foreground = foreground
        self.background = background
        self.attributes = attributes
    }

    public static let plain = Style()
    public static let bold = Style(attributes: .bold)
    public static let dim = Style(attributes: .dim)
    public static let reverse = Style(attributes: .reverse)
}

/// One screen cell. A wide character occupies its cell and marks the next one as its continuation.
public struct Cell: Sendable, Hashable {
    /// The grapheme shown here; empty for the right half of a wide character.
    public var text: String
    public var style: Style

    public init(text: String = " ", style: Style = .plain) {
        self.text = text
        self.style = style
    }

    public static let blank = Cell()
    /// Whether this cell is the right half of the wide character to its left.
    public var isContinuation: Bool { text.isEmpty }
}

/// A rectangle of cells, origin top-left.
public struct Rect: Sendable, Hashable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var isEmpty: Bool { width == 0 || height == 0 }
    /// The rectangle shrunk by `n` cells on every side (the inside of a border).
    public func inset(_ n: Int) -> Rect { Rect(x: x + n, y: y + n, width: width - 2 * n, height: height - 2 * n) }
    public var description: String { "(\(x),\(y) \(width)×\(height))" }
}

/// An in-memory screen: views draw into it, tests read it, the terminal backend flushes it.
public struct CellBuffer: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// Writes `text` from (x, y), never past `limit` columns (default: the row's end) and never past the
    /// buffer. Control characters and escape sequences are shown inert as visible symbols. With `ellipsis`,
    /// text that does not fit ends in `…`. Returns the number of columns written.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, limit: Int? = nil, style: Style = .plain, ellipsis: Bool = true) -> Int {
        guard y >= 0, y < height, x >= 0, x < width else { return 0 }
        let available = min(limit ?? (width - x), width - x)
        guard available > 0 else { return 0 }
        let graphemes = TextWidth.displayable(text)
        let total = graphemes.reduce(0) { $0 + $1.width }
        let truncating = ellipsis && total > available
        let budget = truncating ? available - 1 : available
        var column = 0
        for g in graphemes {
            if column + g.width > budget { break }
            clearWide(at: x + column, y: y)
            self[x + column, y] = Cell(text: g.text, style: style)
            if g.width == 2 {
                clearWide(at: x + column + 1, y: y)
                self[x + column + 1, y] = Cell(text: "", style: style)
            }
            column += g.width
        }
        if truncating {
            clearWide(at: x + column, y: y)
            self[x + column, y] = Cell(text: "…", style: style)
            column += 1
        }
        return column
    }

    /// Fills a rectangle with blanks of a style.
    public mutating func fill(_ rect: Rect, style: Style = .plain) {
        let r = clip(rect)
        for y in r.y..<r.maxY {
            for x in r.x..<r.maxX {
                clearWide(at: x, y: y)
                self[x, y] = Cell(text: " ", style: style)
            }
        }
    }

    /// Draws a box-drawing border around `rect` with an optional title on the top edge.
    public mutating func box(_ rect: Rect, title: String? = nil, style: Style = .plain, titleStyle: Style? = nil) {
        let r = clip(rect)
        guard r.width >= 2, r.height >= 2 else { return }
        for x in r.x + 1..<r.maxX - 1 {
            setGlyph("─", x: x, y: r.y, style: style)
            setGlyph("─", x: x, y: r.maxY - 1, style: style)
        }
        for y in r.y + 1..<r.maxY - 1 {
            setGlyph("│", x: r.x, y: y, style: style)
            setGlyph("│", x: r.maxX - 1, y: y, style: style)
        }
        setGlyph("┌", x: r.x, y: r.y, style: style)
        setGlyph("┐", x: r.maxX - 1, y: r.y, style: style)
        setGlyph("└", x: r.x, y: r.maxY - 1, style: style)
        setGlyph("┘", x: r.maxX - 1, y: r.maxY - 1, style: style)
        if let title, r.width > 4 {
            put(" \(title) ", x: r.x + 1, y: r.y, limit: r.width - 2, style: titleStyle ?? style)
        }
    }

    /// The text of row `y` as a terminal would show it (wide characters once, trailing blanks kept).
    public func line(_ y: Int) -> String {
        var s = ""
        for x in 0..<width { s += self[x, y].text }
        return s
    }

    /// Every row's text, trailing blanks trimmed: what tests compare against.
    public var lines: [String] {
        (0..<height).map { y in
            var l = line(y)
            while l.last == " " { l.removeLast() }
            return l
        }
    }

    private func clip(_ r: Rect) -> Rect {
        let x0 = max(0, r.x), y0 = max(0, r.y)
        return Rect(x: x0, y: y0, width: min(r.maxX, width) - x0, height: min(r.maxY, height) - y0)
    }

    private mutating func setGlyph(_ glyph: String, x: Int, y: Int, style: Style) {
        clearWide(at: x, y: y)
        self[x, y] = Cell(text: glyph, style: style)
    }

    /// Before overwriting a cell, blanks the other half of any wide character it belongs to,
    /// so a half-overwritten wide character never leaves a stray half behind.
    private mutating func clearWide(at x: Int, y: Int) {
        guard x >= 0, x < width, y >= 0, y < height else { return }
        if self[x, y].isContinuation, x > 0 {
            self[x - 1, y] = Cell(text: " ", style: self[x - 1, y].style)
        } else if x + 1 < width, self[x + 1, y].isContinuation {
            self[x + 1, y] = Cell(text: " ", style: self[x + 1, y].style)
        }
    }
}
