/// A scripted game-day exercise: which runbooks are practised, the severity the drill starts at, and the
/// events injected at offsets from its start (`Runbooks/drills/*.yaml`).
public struct DrillScenario: Codable, Sendable, Hashable {
    /// A slug, unique across the scenario files checked together.
    public var id: String
    public var title: String
    /// Ids of the runbooks the team is expected to follow.
    public var runbooks: [String]
    /// The severity the drill incident is declared at.
    public var severity: Severity
    /// Lowercased.
    public var tags: [String]
    /// In file order, which the linter requires to be strictly increasing in offset.
    public var injects: [Inject]
    /// The file it was read from, for `path:line` references.
    public var sourcePath: String?

    public init(
        id: String, title: String, runbooks: [String], severity: Severity, tags: [String] = [],
        injects: [Inject], sourcePath: String? = nil
    ) {
        self.id = id
        self.title = title
        self.runbooks = runbooks
        self.severity = severity
        self.tags = tags
        self.injects = injects
        self.sourcePath = sourcePath
    }

    /// When the last inject fires: the shortest a run of the scenario can be.
    public var scriptedLength: Duration { injects.last?.offset ?? .zero }

    /// One scripted event: at `offset` after the drill starts, something happens that the team must react to.
    public struct Inject: Codable, Sendable, Hashable {
        /// Seconds from the start of the drill; `offset` is the same as a `Duration`.
        public var offsetSeconds: Int
        public var kind: Kind
        /// For `.alert` and `.note`, what is seen or heard; for `.severity`, who is pushing and why;
        /// for `.unanswered`, the role or contact who is paged and never acknowledges.
        public var text: String
        /// Only for `.severity`: the level someone is pushing for.
        public var severity: Severity?
        /// The 1-based line of the scenario file it came from.
        public var line: Int

        public init(offsetSeconds: Int, kind: Kind, text: String, severity: Severity? = nil, line: Int) {
            self.offsetSeconds = offsetSeconds
            self.kind = kind
            self.text = text
            self.severity = severity
            self.line = line
        }

        public var offset: Duration { .seconds(offsetSeconds) }

        /// `T+12m`, `T+1h30m`, `T+0m`: how the offset is written in scenario files.
        public var offsetText: String { Self.offsetText(seconds: offsetSeconds) }

        /// Formats seconds as the scenario files write offsets.
        public static func offsetText(seconds: Int) -> String {
            let h = seconds / 3600, m = (seconds % 3600) / 60, s = seconds % 60
            var text = "T+"
            if h > 0 { text += "\(h)h" }
            if m > 0 || (h == 0 && s == 0) { text += "\(m)m" }
            if s > 0 { text += "\(s)s" }
            return text
        }

        /// The line as a scenario file would write it, e.g. `T+25m severity: L1 the CFO reports payments failing`.
        public var scriptLine: String {
            let body = severity.map { text.isEmpty ? $0.rawValue : "\($0.rawValue) \(text)" } ?? text
            return "\(offsetText) \(kind.rawValue): \(body)"
        }
    }

    /// The few kinds of event a drill injects; each replays as something the team sees on its timeline.
    public enum Kind: String, Codable, Sendable, Hashable, CaseIterable {
        /// A monitoring alert fires.
        case alert
        /// Something is seen or heard: a progress report, a failure, a vendor calling back.
        case note
        /// Someone pushes for a different severity (`severity: L1 why`): the team must decide, not just obey.
        case severity
        /// A role or contact is paged and never acknowledges, so escalation must take over.
        case unanswered

        /// The kinds as written, for error messages.
        public static let spellings = allCases.map(\.rawValue).joined(separator: ", ")
    }
}
