import Foundation
import IncidentCore

/// The `drill` object of an exported drill entry: the scenario started, an inject fired, or the drill's end.
struct DrillJSON: Encodable {
    var action: String
    var scenario: String?
    var speed: Double?
    var index: Int?
    var offsetSeconds: Int?
    var injectKind: String?
    var severity: String?
    var silentContact: String?
    var ending: String?
    /// The whole scenario as it was run, on the start entry.
    var snapshot: DrillScenario?

    enum CodingKeys: String, CodingKey {
        case action, scenario, speed, index, offsetSeconds = "offset_seconds", injectKind = "inject_kind", severity,
            silentContact = "silent_contact", ending, snapshot
    }

    /// The event's `title` and `text` fields and its `drill` object.
    static func fields(_ event: DrillEvent) -> (String?, String?, DrillJSON) {
        switch event {
        case .started(let scenario, let speed):
            return (scenario.title, event.summary,
                    DrillJSON(action: "started", scenario: scenario.id, speed: speed, snapshot: scenario))
        case .injected(let i):
            return (nil, i.inject.text,
                    DrillJSON(action: "injected", index: i.index, offsetSeconds: i.inject.offsetSeconds,
                              injectKind: i.inject.kind.rawValue, severity: i.inject.severity?.rawValue, silentContact: i.silentContact))
        case .ended(let ending):
            return (nil, event.summary, DrillJSON(action: "ended", ending: ending.rawValue))
        }
    }
}
