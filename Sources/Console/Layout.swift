/// Where each part of the console goes at a terminal size; computed apart from drawing so it can be tested alone.
public struct ConsoleLayout: Sendable, Equatable {
    /// Below this the console draws only a message saying so.
    public static let minimumWidth = 80
    public static let minimumHeight = 24

    public var header: Rect
    public var status: Rect
    public var checklist: Rect
    public var contacts: Rect
    public var timeline: Rect
    public var message: Rect
    public var command: Rect

    /// The layout for a terminal, or `nil` when it is smaller than 80×24.
    /// The status, runbook and contacts panes share the top band; the timeline, which grows fastest, gets the full
    /// width below it. Extra rows and columns are shared out proportionally, so a bigger terminal shows more of everything.
    public init?(width: Int, height: Int) {
        guard width >= Self.minimumWidth, height >= Self.minimumHeight else { return nil }
        let panesTop = 1
        let panesHeight = height - 3
        let bandHeight = max(8, panesHeight * 2 / 5)
        let statusWidth = width * 2 / 5
        let checklistWidth = (width - statusWidth) / 2
        header = Rect(x: 0, y: 0, width: width, height: 1)
        status = Rect(x: 0, y: panesTop, width: statusWidth, height: bandHeight)
        checklist = Rect(x: statusWidth, y: panesTop, width: checklistWidth, height: bandHeight)
        contacts = Rect(x: statusWidth + checklistWidth, y: panesTop, width: width - statusWidth - checklistWidth, height: bandHeight)
        timeline = Rect(x: 0, y: panesTop + bandHeight, width: width, height: panesHeight - bandHeight)
        message = Rect(x: 0, y: height - 2, width: width, height: 1)
        command = Rect(x: 0, y: height - 1, width: width, height: 1)
    }

    /// The bordered pane a focus target owns, if it is a pane.
    public func rect(for focus: ConsoleFocus) -> Rect? {
        switch focus {
        case .status: status
        case .checklist: checklist
        case .contacts: contacts
        case .timeline: timeline
        case .commandLine: nil
        }
    }
}

/// What keyboard input goes to when no overlay is open.
public enum ConsoleFocus: String, Sendable, CaseIterable, Equatable {
    case status, checklist, contacts, timeline, commandLine

    /// Tab order: the panes left to right, top to bottom, then the command line.
    static let cycle: [ConsoleFocus] = [.status, .checklist, .contacts, .timeline, .commandLine]
}
