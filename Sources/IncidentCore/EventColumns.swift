import Foundation

/// An event payload flattened into the columns a store keeps.
/// Hot kinds (notes, changes) use plain columns so a 100,000-event fold decodes no JSON;
/// rare fields go into `extra`, a JSON object of strings.
public struct EventColumns: Sendable, Equatable {
    public var kind: String
    public var text: String?
    public var value: String?
    public var prior: String?
    public var reason: String?
    public var ref: Int64?
    public var extra: String?

    public init(kind: String, text: String? = nil, value: String? = nil, prior: String? = nil,
                reason: String? = nil, ref: Int64? = nil, extra: String? = nil) {
        self.kind = kind
        self.text = text
        self.value = value
        self.prior = prior
        self.reason = reason
        self.ref = ref
        self.extra = extra
    }
}

/// A stored row that does not decode into an event: a newer writer's kind, or damage.
public struct EventDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    public var kind: String
    public var problem: String
    public var description: String { "cannot read a stored '\(kind)' event: \(problem)" }
}

extension EventPayload {
    /// The payload as store columns.
    public var columns: EventColumns {
        let kind = self.kind.rawValue
        switch self {
        case .declared(let d):
            var extra: [String: String] = [:]
            if let impact = d.impact { extra["impact"] = impact }
            if d.isDrill { extra["drill"] = "true" }
            if !d.tags.isEmpty { extra["tags"] = d.tags.joined(separator: ",") }
            return EventColumns(kind: kind, text: d.title, value: d.severity.rawValue, extra: Self.encode(extra))
        case .note(let text), .decision(let text), .actionItem(let text), .statusUpdateSent(let text):
            return EventColumns(kind: kind, text: text)
        case .stateChanged(let from, let to, let reason, let override):
            return EventColumns(kind: kind, value: to.rawValue, prior: from.rawValue, reason: reason,
                                extra: Self.encode(override.map { ["override": $0] } ?? [:]))
        case .severityChanged(let from, let to, let reason):
            return EventColumns(kind: kind, value: to.rawValue, prior: from.rawValue, reason: reason)
        case .roleAssigned(let role, let holder):
            return EventColumns(kind: kind, text: holder, value: role)
        case .correction(let target, let text):
            return EventColumns(kind: kind, text: text, ref: target)
        case .delivery(let e):
            return e.columns
        case .postmortem(let e):
            return e.columns
        case .paging(let e):
            return e.columns
        case .runbook(let e):
            return e.columns
        case .drill(let e):
            return e.columns
        case .handoff(let e):
            return e.columns
        }
    }

    /// Rebuilds a payload from store columns.
    public init(columns c: EventColumns) throws(EventDecodingError) {
        func fail(_ problem: String) -> EventDecodingError { EventDecodingError(kind: c.kind, problem: problem) }
        func text() throws(EventDecodingError) -> String {
            guard let t = c.text else { throw fail("no text") }
            return t
        }
        guard let kind = EventKind(rawValue: c.kind) else { throw fail("unknown kind") }
        switch kind {
        case .declared:
            guard let severity = c.value.flatMap(Severity.init(rawValue:)) else { throw fail("bad severity") }
            let extra = try Self.decode(c.extra, fail)
            self = .declared(Declaration(title: try text(), severity: severity, impact: extra["impact"],
                                         isDrill: extra["drill"] == "true",
                                         tags: extra["tags"].map { $0.split(separator: ",").map(String.init) } ?? []))
        case .note: self = .note(try text())
        case .decision: self = .decision(try text())
        case .action: self = .actionItem(try text())
        case .broadcast: self = .statusUpdateSent(message: try text())
        case .state:
            guard let to = c.value.flatMap(LifecycleState.init(rawValue:)),
                  let from = c.prior.flatMap(LifecycleState.init(rawValue:))
            else { throw fail("bad state") }
            self = .stateChanged(from: from, to: to, reason: c.reason, override: try Self.decode(c.extra, fail)["override"])
        case .severity:
            guard let to = c.value.flatMap(Severity.init(rawValue:)),
                  let from = c.prior.flatMap(Severity.init(rawValue:)), let reason = c.reason
            else { throw fail("bad severity") }
            self = .severityChanged(from: from, to: to, reason: reason)
        case .role:
            guard let role = c.value else { throw fail("no role") }
            self = .roleAssigned(role: role, holder: try text())
        case .correction:
            guard let target = c.ref else { throw fail("no corrected entry") }
            self = .correction(of: target, text: try text())
        case .delivery:
            self = .delivery(try DeliveryEvent(columns: c))
        case .postmortem:
            self = .postmortem(try PostmortemEvent(columns: c))
        case .page, .ack:
            self = .paging(try PagingEvent(columns: c))
        case .runbook, .step:
            self = .runbook(try RunbookEvent(kind: kind, columns: c))
        case .drill, .inject:
            self = .drill(try DrillEvent(columns: c))
        case .handoff:
            self = .handoff(try HandoffEvent(columns: c))
        }
    }

    /// The `extra` column: a JSON object of strings, or nil when there is nothing to keep.
    static func encode(_ fields: [String: String]) -> String? {
        guard !fields.isEmpty, let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]) else {
            return nil
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads the `extra` column back; a column that is not a JSON object of strings is damage.
    static func decode(
        _ json: String?, _ fail: (String) -> EventDecodingError
    ) throws(EventDecodingError) -> [String: String] {
        guard let json else { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String] else {
            throw fail("bad extra fields")
        }
        return object
    }
}
