/// A response plan from `Runbooks/*.md`: phases of checklist steps, and milestone targets measured from
/// the start of the incident. Values only; RunbookKit reads and lints the files.
public struct Runbook: Sendable, Codable, Hashable, Identifiable {
    /// Unique across the workspace's runbooks; lowercase letters, digits and dashes.
    public var id: String
    public var title: String
    /// The levels it is attached at automatically.
    public var severities: [Severity]
    /// Lowercase; an incident carrying any of them matches. No tags means every incident of a listed severity.
    public var tags: [String]
    /// In the order the front matter lists them.
    public var targets: [Target]
    public var phases: [Phase]
    /// The file it was read from, as given to the parser; `nil` when it came from text alone.
    public var sourcePath: String?

    public init(
        id: String, title: String, severities: [Severity], tags: [String] = [], targets: [Target] = [],
        phases: [Phase] = [], sourcePath: String? = nil
    ) {
        self.id = id
        self.title = title
        self.severities = severities
        self.tags = tags
        self.targets = targets
        self.phases = phases
        self.sourcePath = sourcePath
    }

    /// Every step, in document order.
    public var steps: [Step] { phases.flatMap(\.steps) }

    /// The step named by its id or by its number (`"restore-started"` or `"3"`), as a person types it.
    public func step(_ reference: String) -> Step? {
        let steps = self.steps
        if let byID = steps.first(where: { $0.id == reference }) { return byID }
        if let number = Int(reference) { return steps.first { $0.number == number } }
        return nil
    }

    /// `runbook-id:step-id`: names a step unambiguously when several runbooks are attached to one incident.
    public func qualifiedID(of step: Step) -> String { "\(id):\(step.id)" }

    /// The target for a milestone, if the front matter sets one.
    public func target(for milestone: String) -> Target? { targets.first { $0.milestone == milestone } }

    /// The step whose completion marks a milestone as reached.
    public func step(reaching milestone: String) -> Step? { steps.first { $0.milestone == milestone } }

    /// Whether the runbook should be attached to an incident of this severity carrying these tags.
    /// The severity must be listed; a runbook without tags fits any incident of that severity, one with tags
    /// only incidents sharing at least one (compared case-insensitively), so specific plans do not bury the
    /// commander under every runbook of the level.
    public func applies(to severity: Severity, tags incidentTags: [String] = []) -> Bool {
        guard severities.contains(severity) else { return false }
        if tags.isEmpty { return true }
        let wanted = Set(tags.map { $0.lowercased() })
        return incidentTags.contains { wanted.contains($0.lowercased()) }
    }
}

extension Runbook {
    /// How soon after the incident started a milestone should be reached, e.g. `recovered: 120`.
    public struct Target: Sendable, Codable, Hashable {
        public var milestone: String
        public var minutes: Int
        /// The front matter line that sets it.
        public var line: Int

        public init(milestone: String, minutes: Int, line: Int) {
            self.milestone = milestone
            self.minutes = minutes
            self.line = line
        }

        public var duration: Duration { .seconds(minutes * 60) }
    }

    /// A `##` section of the runbook: steps that belong together in time, like "Stabilise" or "Verify".
    public struct Phase: Sendable, Codable, Hashable {
        public var title: String
        /// The heading's line in the file.
        public var line: Int
        public var steps: [Step]

        public init(title: String, line: Int, steps: [Step] = []) {
            self.title = title
            self.line = line
            self.steps = steps
        }
    }

    /// One `- [ ]` item: the unit a responder checks or skips.
    public struct Step: Sendable, Codable, Hashable, Identifiable {
        /// Stable within its runbook: the author's `{#id}`, else a slug of the text, so inserting a step above
        /// does not rename the ones below.
        public var id: String
        /// 1-based position across the whole runbook: short to type, but shifts when steps are added.
        public var number: Int
        /// The step text with its markers (owner, timebox, milestone, id) taken out.
        public var text: String
        /// The role that carries it out, without the `@`.
        public var owner: String?
        /// Seconds, so the encoded form stays a plain number.
        public var timeboxSeconds: Int?
        /// The fenced block's contents, without the fences.
        public var command: String?
        /// The fenced block's info string, such as `bash`.
        public var commandLanguage: String?
        /// What the responder should see when the step worked.
        public var expect: String?
        /// The target this step reaches when checked.
        public var milestone: String?
        /// Any further text under the step, one entry per paragraph or list item.
        public var notes: [String]
        /// The `- [ ]` line in the file.
        public var line: Int

        public init(
            id: String, number: Int, text: String, owner: String? = nil, timeboxSeconds: Int? = nil,
            command: String? = nil, commandLanguage: String? = nil, expect: String? = nil,
            milestone: String? = nil, notes: [String] = [], line: Int
        ) {
            self.id = id
            self.number = number
            self.text = text
            self.owner = owner
            self.timeboxSeconds = timeboxSeconds
            self.command = command
            self.commandLanguage = commandLanguage
            self.expect = expect
            self.milestone = milestone
            self.notes = notes
            self.line = line
        }

        public var timebox: Duration? { timeboxSeconds.map { .seconds($0) } }
    }
}
