import Foundation
import IncidentCore

/// The JSON shape of one event, shared by `export` (one per line) and `timeline --json`.
struct EventJSON: Encodable {
    var id: EventID
    var incident: IncidentID
    var kind: String
    var occurredAt: String
    var recordedAt: String
    var actor: String
    var text: String?
    var title: String?
    var severity: String?
    var impact: String?
    var drill: Bool?
    var from: String?
    var to: String?
    var reason: String?
    var override: String?
    var role: String?
    /// The role's holder; for an offer, who holds it until the offer is accepted.
    var holder: String?
    var offeredTo: String?
    var declinedBy: String?
    var corrects: EventID?
    /// Where a postmortem was written, the last entry it covers, and a fingerprint of its text.
    var path: String?
    var throughEvent: EventID?
    var digest: String?
    /// A status update's delivery to one channel (BroadcastJSON.swift).
    var delivery: DeliveryJSON?
    /// Ids of later entries that correct this one (timeline only).
    var correctedBy: [EventID]?
    var tags: [String]?
    /// A runbook attach or step change (RunbookEventJSON in RunbookJSON.swift).
    var runbook: RunbookEventJSON?
    /// A page or an acknowledgement (PagingJSON in Paging.swift).
    var page: PagingJSON?
    /// A drill's start, inject or end (DrillJSON.swift).
    var drillEvent: DrillJSON?

    enum CodingKeys: String, CodingKey {
        case id, incident, kind, occurredAt = "occurred_at", recordedAt = "recorded_at", actor, text, title,
            severity, impact, drill, from, to, reason, override, role, holder, corrects, correctedBy = "corrected_by"
        case offeredTo = "offered_to", declinedBy = "declined_by"
        case path, throughEvent = "through_event", digest
        case tags, runbook
        case delivery
        case page
        case drillEvent = "drill_event"
    }

    static let iso = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// `state` is the incident's, so a delivery of a webhook page reads `page #N`, not `update #N`.
    init(_ event: Event, in state: IncidentState?, correctedBy: [EventID]? = nil) {
        id = event.id
        incident = event.incident
        kind = event.payload.kind.rawValue
        occurredAt = event.occurredAt.formatted(Self.iso)
        recordedAt = event.recordedAt.formatted(Self.iso)
        actor = event.actor
        self.correctedBy = correctedBy
        switch event.payload {
        case .declared(let d):
            title = d.title
            severity = d.severity.rawValue
            impact = d.impact
            drill = d.isDrill
            tags = d.tags.isEmpty ? nil : d.tags
        case .note(let t), .decision(let t), .actionItem(let t), .statusUpdateSent(let t):
            text = t
        case .stateChanged(let f, let t, let r, let o):
            from = f.rawValue
            to = t.rawValue
            reason = r
            override = o
        case .severityChanged(let f, let t, let r):
            from = f.rawValue
            to = t.rawValue
            reason = r
        case .roleAssigned(let r, let h):
            role = r
            holder = h
        case .handoff(.offered(let r, let to, let current)):
            role = r
            holder = current
            offeredTo = to
        case .handoff(.declined(let r, let by)):
            role = r
            declinedBy = by
        case .correction(let target, let t):
            corrects = target
            text = t
        case .delivery(let d):
            text = state?.summary(of: event) ?? d.summary
            delivery = DeliveryJSON(d)
        case .postmortem(.generated(let p, let through, let d)):
            path = p
            throughEvent = through
            digest = d
        case .runbook(let e):
            (title, text, reason, runbook) = RunbookEventJSON.fields(e)
        case .paging(let e):
            text = e.summary
            page = PagingJSON(e)
        case .drill(let e):
            (title, text, drillEvent) = DrillJSON.fields(e)
        }
    }
}

/// Encodes values as JSON text for the terminal and for scripts. JSONEncoder escapes C0 controls but writes DEL,
/// C1 controls, bidirectional overrides and zero-width characters as they are; here every character
/// `InertText` marks is a `\uXXXX` escape instead, so the text is safe to print and parses to the same value.
enum JSONText {
    static func line<T: Encodable>(_ value: T) throws -> String {
        try encode(value, [.withoutEscapingSlashes])
    }

    static func pretty<T: Encodable>(_ value: T) throws -> String {
        try encode(value, [.withoutEscapingSlashes, .prettyPrinted])
    }

    private static func encode<T: Encodable>(_ value: T, _ formatting: JSONEncoder.OutputFormatting) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = formatting
        let text = String(decoding: try encoder.encode(value), as: UTF8.self)
        // Outside its strings JSON is ASCII, and the encoder leaves no C0 control raw inside one: a marked character
        // that is not a pretty-printing line feed is inside a string, where an escape stands for it exactly.
        func needsEscape(_ s: Unicode.Scalar) -> Bool { InertText.isMarked(s) && s != "\n" }
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if needsEscape(s) {
                out.append(contentsOf: String(format: "\\u%04X", s.value).unicodeScalars)
            } else {
                out.append(s)
            }
        }
        return String(out)
    }
}
