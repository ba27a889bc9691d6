/// What a template variable holds: the validator checks names against these, and `warroom postmortem
/// --list-variables` prints them.
public indirect enum TemplateNode: Sendable {
    /// Text, or nothing when the fact is absent (then `{{#name}}` skips and `{{^name}}` shows its text).
    case text(String)
    /// True or false, for `{{#name}}…{{/name}}` and `{{^name}}…{{/name}}`.
    case flag(String)
    /// Named fields, reached as `name.field` or inside `{{#name}}…{{/name}}` (absent when the fact is).
    case object(String, [TemplateField])
    /// Rows, each with the fields listed, for `{{#name}}…{{/name}}`; `{{^name}}…{{/name}}` shows when there are none.
    case list(String, [TemplateField])

    /// The one-line description.
    public var help: String {
        switch self {
        case .text(let h), .flag(let h), .object(let h, _), .list(let h, _): h
        }
    }

    /// The fields of an object or of each row of a list.
    public var fields: [TemplateField]? {
        switch self {
        case .object(_, let f), .list(_, let f): f
        case .text, .flag: nil
        }
    }

    /// The field's names, for lookups.
    var fieldNames: Set<String> { Set((fields ?? []).map(\.name)) }

    func field(_ name: String) -> TemplateNode? { fields?.first { $0.name == name }?.node }
}

/// A named variable.
public struct TemplateField: Sendable {
    public var name: String
    public var node: TemplateNode

    init(_ name: String, _ node: TemplateNode) {
        self.name = name
        self.node = node
    }
}

/// The variables a postmortem template may use. `PostmortemContext` fills exactly these (a test checks it).
public enum PostmortemVariables {
    private static func t(_ name: String, _ help: String) -> TemplateField { TemplateField(name, .text(help)) }
    private static func f(_ name: String, _ help: String) -> TemplateField { TemplateField(name, .flag(help)) }

    static let entryFields: [TemplateField] = [
        t("id", "the entry number"), t("time", "when it happened"), t("actor", "who recorded it"),
        t("text", "the text, with the latest correction applied"),
        f("corrected", "whether it was corrected"), t("original", "what was first written, when corrected"),
    ]

    /// The top-level variables.
    public static let root: [TemplateField] = [
        t("id", "incident id, e.g. INC-3"),
        t("title", "incident title"),
        t("impact", "the impact recorded at declaration; absent when none was"),
        f("drill", "whether the incident was a drill"),
        f("draft", "whether the incident is not resolved yet (figures run to the generation time)"),
        t("state", "lifecycle state at generation"),
        t("severity", "severity at the end (or now)"),
        t("worst_severity", "the most severe level reached"),
        t("declared_by", "who declared it"),
        t("commander", "the incident commander at the end"),
        t("generated_at", "date, time and zone of generation"),
        t("time_zone", "the zone times are shown in, e.g. UTC or UTC+08:00"),
        t("date", "the day of the first signal, YYYY-MM-DD"),
        f("spans_days", "whether the incident spans more than one day (times then carry dates)"),
        t("through_entry", "the newest entry number included"),
        t("entry_count", "how many entries the incident has"),
        TemplateField("times", .object("key times to the minute; each absent until reached", [
            t("first_signal", "the earliest time any entry says something happened"),
            t("first_signal_entry", "the entry number carrying the first signal"),
            t("declared", "declared"), t("acknowledged", "first page acknowledged"),
            t("mitigation_started", "first entered mitigating"),
            t("mitigated", "entered the monitoring stretch that held"),
            t("resolved", "resolved"), t("closed", "closed"),
        ])),
        TemplateField("durations", .object("durations from the first signal; each absent until reached", [
            t("to_declare", "time to declare (MTTD)"), t("to_acknowledge", "time to acknowledge (MTTA)"),
            t("to_mitigate", "time to mitigate (MTTM)"), t("to_resolve", "time to resolve (MTTR)"),
            t("mitigating", "mitigation started → mitigated"),
        ])),
        TemplateField("key_times", .list("key times as table rows", [
            t("label", "what happened"), t("time", "when, or — when not reached"),
            t("note", "context: the entry, or why it is missing"),
        ])),
        TemplateField("metrics", .list("durations as table rows", [
            t("measure", "MTTD, MTTA, MTTM or MTTR"), t("label", "what it measures"),
            t("span", "from → to"), t("value", "the duration, or — when not reached"),
        ])),
        TemplateField("severity_changes", .list("the declared severity, then every change", [
            t("time", "when"), t("from", "the previous level; absent for the declaration"), t("to", "the new level"),
            t("reason", "why"), t("actor", "who"), t("held_for", "how long it stayed at this level"),
            f("ongoing", "whether it is still at this level and unresolved"),
        ])),
        TemplateField("time_at_severity", .list("total time at each level held, most severe first", [
            t("severity", "the level"), t("duration", "total time at it"),
            f("ongoing", "whether the incident is still at it and unresolved"),
        ])),
        TemplateField("updates", .object("status-update punctuality", [
            t("due", "updates that were owed"), t("sent", "updates sent"), t("on_time", "owed updates sent on time"),
            t("late", "owed updates sent late"), t("percent_on_time", "on-time share, e.g. 75%; absent when none was due"),
            t("after_resolution", "updates sent after resolution"),
            t("worst_late", "the worst lateness; absent when none was late"),
            TemplateField("missed", .object("the update owed and never sent; absent when none", [
                t("due_at", "when it was due"), t("overdue_by", "how long it was overdue"),
                f("still_due", "whether it is still owed (unresolved incident)"),
            ])),
        ])),
        TemplateField("update_list", .list("each status update sent", [
            t("id", "the entry number"), t("sent_at", "when it was sent"), t("due_at", "when it was due; absent after resolution"),
            t("punctuality", "on time, 12m late, or after resolution"), f("late", "whether it was late"),
            t("severity", "the severity when sent"), t("actor", "who sent it"), t("message", "its text"),
        ])),
        TemplateField("delivery", .object("delivery counts", [
            t("count", "deliveries (one per update and channel)"), t("delivered", "deliveries that arrived"),
            t("retried", "deliveries that arrived after more than one attempt"), t("not_delivered", "deliveries that never arrived"),
        ])),
        TemplateField("deliveries", .list("each update's or webhook page's delivery to each channel (channel names only, never addresses)", [
            t("update", "the delivered entry's number"), t("what", "update, or page for a page by webhook"),
            t("channel", "the channel name"), t("attempts", "attempts made"),
            t("outcome", "delivered at HH:MM, or how it failed"), f("delivered", "whether it was delivered"),
        ])),
        TemplateField("paging", .object("page counts", [
            t("sent", "pages sent"), t("acknowledged", "pages acknowledged"), t("unanswered", "pages nobody acknowledged"),
        ])),
        TemplateField("pages", .list("pages sent, in order, and their acknowledgement (names only, never numbers)", [
            t("target", "who was paged"), t("role", "the role paged for; absent when paged by name"),
            t("tier", "primary, secondary, manager or vendor; absent when none"), t("via", "phone, chat or webhook"),
            t("paged_at", "when"), t("paged_by", "who paged"),
            t("escalated_from", "whom this page escalated from; absent when it did not"),
            t("acknowledged_at", "when acknowledged; absent when unanswered"),
            t("time_to_acknowledge", "paged → acknowledged; absent when unanswered"),
            f("unanswered", "whether nobody acknowledged"),
        ])),
        TemplateField("runbooks", .list("runbooks attached to the incident", [
            t("runbook", "its id"), t("title", "its title"), t("attached_at", "when it was attached"),
            t("done", "steps done"), t("skipped", "steps skipped"), t("open", "steps left open"),
        ])),
        TemplateField("runbook_steps", .list("runbook steps checked or skipped in the order that happened, then those left open", [
            t("runbook", "the runbook id"), t("step", "the step id"), t("number", "the step number"), t("text", "the step"),
            t("outcome", "done, skipped or not done"), t("time", "when checked or skipped; absent when open"),
            t("actor", "who; absent when open"), t("reason", "why it was skipped; absent otherwise"),
            t("timebox", "the step's timebox; absent when it has none"),
            t("took", "from its phase becoming active until it was closed; absent when open"),
            t("against_timebox", "within the timebox, or over by how much; absent without a timebox"),
        ])),
        TemplateField("milestones", .list("milestones against the runbooks' targets, from the first signal", [
            t("runbook", "the runbook id"), t("milestone", "the milestone"), t("target", "the target, e.g. within 30m"),
            t("reached_at", "when reached; absent when not"), t("reached_after", "first signal → reached; absent when not"),
            t("verdict", "met with time to spare, missed by how much, or not reached"), f("met", "whether it was met"),
        ])),
        TemplateField("roles", .list("who held each role, and when", [
            t("role", "the role"), t("holder", "who"), t("since", "from"), t("until", "until; absent when held to the end"),
        ])),
        t("commander_also_held", "standard roles never handed out, which the commander held; absent when none"),
        TemplateField("timeline", .list("every entry in the order it happened", [
            t("id", "the entry number"), t("time", "when it happened"), t("kind", "note, decision, state, …"),
            t("actor", "who recorded it"), t("text", "the text, with the latest correction applied"),
            f("corrected", "whether it was corrected"), t("original", "what was first written, when corrected"),
            t("corrected_by", "the correcting entries, e.g. #12"),
            f("backdated", "whether it was written down later than it happened"), t("recorded", "when it was written down"),
            t("entry", "the text, noting its correction and when it was written down if later: one table cell"),
        ])),
        TemplateField("decisions", .list("decisions, in the order they were made", entryFields)),
        TemplateField("action_items", .list("action items captured during the incident", entryFields)),
    ]

    /// Every variable as an indented `name — help` line, for `--list-variables`.
    public static func listing() -> String {
        var lines: [String] = []
        func walk(_ fields: [TemplateField], depth: Int) {
            for field in fields {
                let kind: String
                switch field.node {
                case .text: kind = ""
                case .flag: kind = " (true/false)"
                case .object: kind = " (object)"
                case .list: kind = " (list)"
                }
                lines.append(String(repeating: "  ", count: depth) + field.name + kind + " — " + field.node.help)
                if let children = field.node.fields { walk(children, depth: depth + 1) }
            }
        }
        walk(root, depth: 0)
        return lines.joined(separator: "\n")
    }
}
