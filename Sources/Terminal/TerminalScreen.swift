import CNcursesw
import Console
import Foundation

/// Something the terminal reported: a key, or a new size (after which the next frame is drawn in full).
public enum TerminalInput: Sendable, Equatable {
    case key(Key)
    case resize(width: Int, height: Int)
}

/// Why the terminal could not be taken over.
public enum TerminalError: Error, CustomStringConvertible, Sendable {
    case notATerminal
    case unknownTerminalType(String)

    public var description: String {
        switch self {
        case .notATerminal:
            "the console needs a terminal (standard input and output must be a tty); use the subcommands in scripts"
        case .unknownTerminalType(let type):
            "cannot drive terminal type '\(type)' (set TERM to a known type, such as xterm-256color)"
        }
    }
}

/// The ncurses backend: flushes `CellBuffer` frames to a terminal, touching only the cells that changed,
/// and decodes key presses. Not thread-safe: one thread (the input loop) owns it.
public final class TerminalScreen {
    public private(set) var width: Int
    public private(set) var height: Int
    /// Whether styles are drawn in colour; without colour they degrade to attributes.
    public let hasColors: Bool

    private let screen: OpaquePointer
    private let window: UnsafeMutablePointer<WINDOW>
    private let usesAlternateScreen: Bool
    private let guarded: Bool
    private var previous: CellBuffer?
    private var cursorShown: Bool?
    private var renditions: [Style: (attributes: attr_t, pair: Int16)] = [:]
    private var pairs: [Int: Int16] = [:]
    private var ended = false

    /// Takes over a terminal.
    /// - Parameters:
    ///   - output: where ncurses writes; `nil` means standard output, which must then be a terminal.
    ///   - input: where keys come from; `nil` means standard input.
    ///   - terminalType: the terminfo entry; `nil` means `$TERM`.
    ///   - guardCrashes: restore the terminal on crashes and exit (only meaningful on a real terminal).
    public init(
        output: UnsafeMutablePointer<FILE>? = nil, input: UnsafeMutablePointer<FILE>? = nil,
        terminalType: String? = nil, guardCrashes: Bool = true
    ) throws {
        let out = output ?? warroom_stdout()!
        let inp = input ?? warroom_stdin()!
        if output == nil, isatty(fileno(out)) == 0 || isatty(fileno(inp)) == 0 { throw TerminalError.notATerminal }
        Self.useUTF8Locale()

        let type = terminalType ?? ProcessInfo.processInfo.environment["TERM"] ?? "unknown"
        let tty = fileno(out)
        guarded = guardCrashes && isatty(tty) != 0
        // newterm already changes the modes, so the crash guard must read them first.
        if guarded { TerminalGuard.saveModes(tty: tty) }
        guard let screen = newterm(type, out, inp) else { throw TerminalError.unknownTerminalType(type) }
        self.screen = screen
        set_term(screen)
        window = warroom_stdscr()!

        usesAlternateScreen = warroom_tigetstr("smcup") != nil
        if guarded {
            let capabilities: [String] = ["rmkx", "sgr0", "cnorm", "rmcup"]
            let reset = capabilities.compactMap { warroom_tigetstr($0).map { String(cString: $0) } }
            TerminalGuard.arm(reset: reset.joined() + (usesAlternateScreen ? "" : "\r\n"))
        }

        // raw, not cbreak: Ctrl-S/Ctrl-Q must not freeze output mid-incident, and Ctrl-C/Ctrl-Z reach the console
        // as keys; the runner decides what they mean.
        raw()
        noecho()
        nonl()
        keypad(window, true)
        meta(window, true)
        set_escdelay(25)
        intrflush(window, false)
        leaveok(window, false)
        scrollok(window, false)

        var colors = false
        if has_colors() {
            start_color()
            if use_default_colors() != OK { assume_default_colors(Int32(COLOR_WHITE), Int32(COLOR_BLACK)) }
            colors = true
        }
        hasColors = colors
        width = Int(warroom_cols())
        height = Int(warroom_lines())
    }

    deinit { end() }

    /// Forces the next `draw` to repaint every cell (after a resize, or when the screen may be garbled).
    public func invalidate() {
        previous = nil
    }

    /// Pretends the terminal has a new size; for output that is not a terminal (benchmarks).
    public func resize(width: Int, height: Int) {
        resizeterm(Int32(height), Int32(width))
        self.width = Int(warroom_cols())
        self.height = Int(warroom_lines())
        previous = nil
    }

    /// Flushes a frame: only cells that differ from the last frame are written, then one `doupdate`.
    /// `cursor` places the terminal cursor (the command line's insertion point); `nil` hides it.
    public func draw(_ frame: CellBuffer, cursor: (x: Int, y: Int)?) {
        guard !ended else { return }
        let full = previous == nil || previous!.width != frame.width || previous!.height != frame.height
        if full {
            // After a resize the physical screen may hold stale cells ncurses does not know about.
            clearok(warroom_curscr(), true)
        }
        let rows = min(frame.height, height), columns = min(frame.width, width)
        var cell = cchar_t()
        for y in 0..<rows {
            for x in 0..<columns {
                let c = frame[x, y]
                if c.isContinuation { continue }
                if !full, previous![x, y] == c { continue }
                // The character just right of a changed wide character may also need rewriting; it is
                // compared on its own, so a wide character overwritten by two narrow ones repaints both.
                setCell(&cell, c)
                mvwadd_wch(window, Int32(y), Int32(x), &cell)
            }
        }
        if full, frame.width < width || frame.height < height {
            // A frame smaller than the screen: blank what it does not cover.
            var blank = cchar_t()
            setCell(&blank, .blank)
            for y in 0..<height {
                for x in (y < rows ? columns : 0)..<width { mvwadd_wch(window, Int32(y), Int32(x), &blank) }
            }
        }
        previous = frame

        if let cursor, cursor.x >= 0, cursor.y >= 0, cursor.x < width, cursor.y < height {
            wmove(window, Int32(cursor.y), Int32(cursor.x))
            if cursorShown != true { curs_set(1); cursorShown = true }
        } else if cursorShown != false {
            curs_set(0)
            cursorShown = false
        }
        wnoutrefresh(window)
        doupdate()
    }

    /// Waits up to `timeout` milliseconds for input (0: just look; negative: wait for ever).
    /// Returns `nil` when nothing arrived.
    public func read(timeout: Int) -> TerminalInput? {
        guard !ended else { return nil }
        wtimeout(window, Int32(timeout))
        var code: wint_t = 0
        let status = wget_wch(window, &code)
        switch status {
        case KEY_CODE_YES:
            if Int32(code) == KEY_RESIZE {
                width = Int(warroom_cols())
                height = Int(warroom_lines())
                previous = nil
                return .resize(width: width, height: height)
            }
            return KeyDecoder.functionKey(Int32(code)).map(TerminalInput.key)
        case OK:
            return KeyDecoder.character(UInt32(code)).map(TerminalInput.key)
        default:
            return nil
        }
    }

    /// Gives the terminal back: modes, cursor, main screen. Safe to call more than once.
    public func end() {
        guard !ended else { return }
        ended = true
        if !usesAlternateScreen {
            // Without an alternate screen the last frame would stay on the user's terminal.
            werase(window)
            wmove(window, 0, 0)
            wrefresh(window)
        }
        curs_set(1)
        endwin()
        delscreen(screen)
        if guarded { TerminalGuard.disarm() }
    }

    // MARK: - Cells and styles

    private func setCell(_ cell: inout cchar_t, _ c: Cell) {
        let look = rendition(c.style)
        // A cchar_t holds one spacing character and a few combining ones; longer clusters are cut.
        var chars = [wchar_t](repeating: 0, count: Int(CCHARW_MAX) + 1)
        var n = 0
        for scalar in c.text.unicodeScalars where n < Int(CCHARW_MAX) {
            chars[n] = wchar_t(bitPattern: scalar.value)
            n += 1
        }
        if n == 0 { chars[0] = 0x20 }
        setcchar(&cell, chars, look.attributes, look.pair, nil)
    }

    private func rendition(_ style: Style) -> (attributes: attr_t, pair: Int16) {
        if let known = renditions[style] { return known }
        var attributes = warroom_A_NORMAL
        let a = style.attributes
        if a.contains(.bold) { attributes |= warroom_A_BOLD }
        if a.contains(.reverse) { attributes |= warroom_A_REVERSE }
        if a.contains(.underline) { attributes |= warroom_A_UNDERLINE }
        if a.contains(.dim) { attributes |= warroom_A_DIM }
        if a.contains(.blink) { attributes |= warroom_A_BLINK }
        var pair: Int16 = 0
        if style.foreground != nil || style.background != nil {
            if hasColors, let p = colorPair(style.foreground, style.background) {
                pair = p
            } else if style.background != nil {
                // Monochrome: a coloured background (a badge, a selection) stays visible as reverse video.
                attributes |= warroom_A_REVERSE
            }
        }
        renditions[style] = (attributes, pair)
        return (attributes, pair)
    }

    /// Colour pairs are allocated as styles first appear, since terminals such as `screen` offer only 64.
    private func colorPair(_ foreground: Color?, _ background: Color?) -> Int16? {
        let key = Int(foreground.map { $0.rawValue + 1 } ?? 0) * 16 + Int(background.map { $0.rawValue + 1 } ?? 0)
        if let known = pairs[key] { return known }
        let next = pairs.count + 1
        guard next < Int(warroom_color_pairs()), next <= Int(Int16.max) else { return nil }
        let fg = foreground.map { Int16($0.rawValue) } ?? -1
        let bg = background.map { Int16($0.rawValue) } ?? -1
        guard init_pair(Int16(next), fg, bg) == OK else { return nil }
        pairs[key] = Int16(next)
        return Int16(next)
    }

    /// ncurses needs a UTF-8 character type for wide characters; fall back to C.UTF-8 when the environment's is not.
    private static func useUTF8Locale() {
        setlocale(LC_CTYPE, "")
        if let codeset = nl_langinfo(nl_item(CODESET)), String(cString: codeset).uppercased().replacingOccurrences(of: "-", with: "") == "UTF8" {
            return
        }
        setlocale(LC_CTYPE, "C.UTF-8")
    }
}
