/// Where a key binding applies. The console asks the scopes of its current mode in order; the first match wins.
public enum KeyScope: String, Sendable, CaseIterable {
    case everywhere = "Everywhere (panes and command line)"
    case panes = "Panes"
    case timeline = "Timeline pane"
    case checklist = "Runbook checklist pane"
    case contacts = "Contacts pane"
    case commandLine = "Command line"
    case broadcastDraft = "Status update draft (the command line's editing keys work too)"
    case picker = "Incident picker"
    case help = "This help"
    case detail = "Step details"
    case confirm = "Quit confirmation"
    case confirmPage = "Page confirmation"
    case scoreCard = "Drill score card"
    case confirmEndDrill = "End-drill confirmation"
}

/// What a key binding does; `ConsoleModel` performs it.
public enum KeyAction: Sendable, Equatable {
    case focusNext, focusPrevious, showHelp, quit, openPicker, typeCommand, openCommandLine
    case moveUp, moveDown, pageUp, pageDown, first, last, correctSelected
    case submit, leaveCommandLine, cursorLeft, cursorRight, lineStart, lineEnd
    case deleteBackward, deleteForward, clearLine, deleteWord, historyPrevious, historyNext
    case timelinePageUp, timelinePageDown
    case choose, dismiss, confirm
    case checkStep, skipStep, undoStep, showStep
    case pageSelected, ackSelected
    case openBroadcast, sendBroadcast, cancelBroadcast, switchAudience, redraftBroadcast
}

/// One row of the key table: it dispatches the keys and is a line of the `?` overlay.
public struct KeyBinding: Sendable {
    public let scope: KeyScope
    public let keys: [Key]
    public let action: KeyAction
    public let help: String
}

/// The one key table: `ConsoleModel` dispatches through it and the help overlay is generated from it.
public enum KeyTable {
    public static let bindings: [KeyBinding] = {
        func b(_ scope: KeyScope, _ keys: [Key], _ action: KeyAction, _ help: String) -> KeyBinding {
            KeyBinding(scope: scope, keys: keys, action: action, help: help)
        }
        return [
            b(.everywhere, [.tab], .focusNext, "next pane: status, runbook, contacts, timeline, command line"),
            b(.everywhere, [.backTab], .focusPrevious, "previous pane"),
            b(.everywhere, [.function(1)], .showHelp, "show this help"),
            b(.everywhere, [.ctrl("c")], .quit, "quit (asks first while the incident is active)"),

            b(.panes, [.char("?")], .showHelp, "show this help"),
            b(.panes, [.char("q")], .quit, "quit (asks first while the incident is active)"),
            b(.panes, [.char("i")], .openPicker, "pick the incident to show"),
            b(.panes, [.char("/")], .typeCommand, "command line with / typed"),
            b(.panes, [.char(":")], .openCommandLine, "command line"),
            b(.panes, [.down, .char("j")], .moveDown, "next entry / scroll down"),
            b(.panes, [.up, .char("k")], .moveUp, "previous entry / scroll up"),
            b(.panes, [.pageDown], .pageDown, "page down"),
            b(.panes, [.pageUp], .pageUp, "page up"),
            b(.panes, [.home, .char("g")], .first, "first entry / top"),
            b(.panes, [.end, .char("G")], .last, "newest entry / bottom"),

            b(.timeline, [.char("c")], .correctSelected, "correct the selected entry (prefills /correct N)"),
            b(.panes, [.char("b")], .openBroadcast, "draft a status update from the incident's state (/broadcast too)"),

            b(.checklist, [.char(" ")], .checkStep, "check the selected step: done"),
            b(.checklist, [.char("s")], .skipStep, "skip the selected step (type the reason on the command line)"),
            b(.checklist, [.char("u")], .undoStep, "un-check a done or skipped step (the entry stays, taken back)"),
            b(.checklist, [.enter], .showStep, "show the step's command, expected result and notes"),

            b(.contacts, [.char("p")], .pageSelected, "page the selected role's next contact (shows the number, asks y/n)"),
            b(.contacts, [.char("a")], .ackSelected, "mark the selected role's page acknowledged"),

            b(.broadcastDraft, [.enter], .sendBroadcast, "send the update to its channels"),
            b(.broadcastDraft, [.escape], .cancelBroadcast, "cancel: nothing is sent"),
            b(.broadcastDraft, [.tab], .switchAudience, "switch between the tactical and the executive draft"),
            b(.broadcastDraft, [.ctrl("r")], .redraftBroadcast, "draft again from the incident's current state"),

            b(.commandLine, [.enter], .submit, "record: plain text is a note, /command runs"),
            b(.commandLine, [.escape], .leaveCommandLine, "leave the command line for the panes"),
            b(.commandLine, [.left], .cursorLeft, "cursor left"),
            b(.commandLine, [.right], .cursorRight, "cursor right"),
            b(.commandLine, [.home, .ctrl("a")], .lineStart, "start of line"),
            b(.commandLine, [.end, .ctrl("e")], .lineEnd, "end of line"),
            b(.commandLine, [.backspace, .ctrl("h")], .deleteBackward, "delete before the cursor"),
            b(.commandLine, [.delete, .ctrl("d")], .deleteForward, "delete at the cursor"),
            b(.commandLine, [.ctrl("u")], .clearLine, "clear the line"),
            b(.commandLine, [.ctrl("w")], .deleteWord, "delete the word before the cursor"),
            b(.commandLine, [.up], .historyPrevious, "previous line from history"),
            b(.commandLine, [.down], .historyNext, "next line from history"),
            b(.commandLine, [.pageUp], .timelinePageUp, "scroll the timeline up while typing"),
            b(.commandLine, [.pageDown], .timelinePageDown, "scroll the timeline down while typing"),

            b(.picker, [.down, .char("j")], .moveDown, "next incident"),
            b(.picker, [.up, .char("k")], .moveUp, "previous incident"),
            b(.picker, [.enter], .choose, "show the chosen incident"),
            b(.picker, [.escape, .char("q")], .dismiss, "close the picker"),

            b(.help, [.down, .char("j")], .moveDown, "scroll down"),
            b(.help, [.up, .char("k")], .moveUp, "scroll up"),
            b(.help, [.pageDown], .pageDown, "page down"),
            b(.help, [.pageUp], .pageUp, "page up"),
            b(.help, [.escape, .char("?"), .char("q")], .dismiss, "close this help"),

            b(.detail, [.down, .char("j")], .moveDown, "scroll down"),
            b(.detail, [.up, .char("k")], .moveUp, "scroll up"),
            b(.detail, [.pageDown], .pageDown, "page down"),
            b(.detail, [.pageUp], .pageUp, "page up"),
            b(.detail, [.escape, .enter, .char("q")], .dismiss, "close the step details"),

            b(.confirm, [.char("y"), .char("Y")], .confirm, "quit"),
            b(.confirm, [.char("n"), .char("N"), .escape], .dismiss, "stay"),

            b(.confirmPage, [.char("y"), .char("Y")], .confirm, "record the page (after calling or messaging)"),
            b(.confirmPage, [.char("n"), .char("N"), .escape], .dismiss, "do not page"),

            b(.scoreCard, [.down, .char("j")], .moveDown, "scroll down"),
            b(.scoreCard, [.up, .char("k")], .moveUp, "scroll up"),
            b(.scoreCard, [.pageDown], .pageDown, "page down"),
            b(.scoreCard, [.pageUp], .pageUp, "page up"),
            b(.scoreCard, [.escape, .char("q"), .enter], .dismiss,
              "close the score card (warroom drill end DRILL-n prints it again)"),

            b(.confirmEndDrill, [.char("y"), .char("Y")], .confirm, "end the drill now and write the score card"),
            b(.confirmEndDrill, [.char("n"), .char("N"), .escape], .dismiss, "keep drilling"),
        ]
    }()

    /// The action bound to `key` in the first of `scopes` that binds it.
    public static func action(for key: Key, in scopes: [KeyScope]) -> KeyAction? {
        let key = key.normalized
        for scope in scopes {
            if let binding = bindings.first(where: { $0.scope == scope && $0.keys.contains(key) }) {
                return binding.action
            }
        }
        return nil
    }
}

extension Key {
    /// How the help overlay writes the key.
    public var label: String {
        switch self {
        case .char(" "): "Space"
        case .char(let c): String(c)
        case .ctrl(let c): "Ctrl-" + String(c).uppercased()
        case .enter: "Enter"
        case .tab: "Tab"
        case .backTab: "Shift-Tab"
        case .backspace: "Backspace"
        case .delete: "Delete"
        case .escape: "Esc"
        case .up: "Up"
        case .down: "Down"
        case .left: "Left"
        case .right: "Right"
        case .home: "Home"
        case .end: "End"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .function(let n): "F\(n)"
        }
    }

    /// Ctrl chords compare case-insensitively: terminals report Ctrl-A and Ctrl-a alike.
    var normalized: Key {
        if case .ctrl(let c) = self { return .ctrl(c.lowercased().first ?? c) }
        return self
    }
}
