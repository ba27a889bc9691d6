import Foundation
import IncidentCore

/// The runbook part of an event's JSON: which runbook and step, what happened, and for attaches the snapshot.
struct RunbookEventJSON: Encodable {
    var id: String
    /// `attached`, or the step action: `done`, `skipped`, `undone`.
    var action: String
    var step: String?
    var stepNumber: Int?
    /// For `undone`: the entry taken back.
    var reverts: EventID?
    /// For attaches: `matched` (by severity and tags) or `manual`.
    var trigger: String?
    var matchedSeverity: String?
    var matchedTags: [String]?
    /// For attaches by a drill: the scenario practising it.
    var scenario: String?
    /// For attaches: the runbook as the incident keeps it.
    var snapshot: Runbook?

    enum CodingKeys: String, CodingKey {
        case id, action, step, stepNumber = "step_number", reverts, trigger, matchedSeverity = "matched_severity",
            matchedTags = "matched_tags", scenario, snapshot
    }

    /// The event's `title`, `text`, `reason` and `runbook` fields.
    static func fields(_ event: RunbookEvent) -> (String?, String?, String?, RunbookEventJSON) {
        switch event {
        case .attached(let runbook, let trigger):
            var json = RunbookEventJSON(id: runbook.id, action: "attached", snapshot: runbook)
            switch trigger {
            case .manual:
                json.trigger = "manual"
            case .matched(let severity, let tags):
                json.trigger = "matched"
                json.matchedSeverity = severity.rawValue
                json.matchedTags = tags
            case .drill(let scenario):
                json.trigger = "drill"
                json.scenario = scenario
            }
            return (runbook.title, nil, nil, json)
        case .step(let step):
            let json = RunbookEventJSON(id: step.runbook, action: step.action.rawValue, step: step.step,
                                        stepNumber: step.number, reverts: step.reverts)
            return (nil, step.text, step.reason, json)
        }
    }
}
