import Foundation
import IncidentCore
import YAMLDiagnostics

/// Which sender's webhook shape a body is read as.
public enum AlertSource: String, Sendable, CaseIterable, Hashable {
    /// Prometheus Alertmanager's webhook receiver, payload version 4.
    case alertmanager
    /// Grafana Alerting's webhook contact point, payload version 1.
    case grafana
    /// Warroom's own small shape for scripts and other senders; see `AlertNotification.decodeGeneric`.
    case generic
}

/// Whether an alert (or a whole notification) is firing or has resolved.
public enum AlertStatus: String, Sendable, Hashable {
    case firing
    case resolved
}

/// One alert of a notification, in Alertmanager's `template.Alert` terms (Grafana adds its links).
public struct Alert: Sendable, Equatable {
    public var status: AlertStatus
    public var labels: [String: String]
    public var annotations: [String: String]
    public var startsAt: Date
    /// `nil` when the sender gave no end: absent, or Go's zero time `0001-01-01T00:00:00Z`.
    public var endsAt: Date?
    public var generatorURL: String?
    /// Opaque: compared as given, never parsed.
    public var fingerprint: String
    public var silenceURL: String?
    public var dashboardURL: String?
    public var panelURL: String?

    public init(status: AlertStatus, labels: [String: String] = [:], annotations: [String: String] = [:], startsAt: Date,
                endsAt: Date? = nil, generatorURL: String? = nil, fingerprint: String, silenceURL: String? = nil,
                dashboardURL: String? = nil, panelURL: String? = nil) {
        self.status = status
        self.labels = labels
        self.annotations = annotations
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.generatorURL = generatorURL
        self.fingerprint = fingerprint
        self.silenceURL = silenceURL
        self.dashboardURL = dashboardURL
        self.panelURL = panelURL
    }
}

/// Why a body is refused before anything is recorded, with the HTTP status the receiver answers.
public enum IntakeRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// The body is longer than `AlertNotification.maxBodyBytes`.
    case tooLarge(limit: Int)
    /// The body cannot be used; the message is one inert line naming the field.
    case badRequest(String)

    public var httpStatus: Int {
        switch self {
        case .tooLarge: 413
        case .badRequest: 400
        }
    }

    public var description: String {
        switch self {
        case .tooLarge(let limit): "the body is longer than \(limit / 1024 / 1024) MiB"
        case .badRequest(let message): message
        }
    }
}

/// One webhook notification about one alert group, whichever sender posted it.
public struct AlertNotification: Sendable, Equatable {
    /// Bodies above this are refused unread; Alertmanager's own notifications stay far below it.
    public static let maxBodyBytes = 1024 * 1024

    public var source: AlertSource
    public var receiver: String
    public var status: AlertStatus
    /// Opaque: the identity of the alert group, compared as given.
    public var groupKey: String
    public var groupLabels: [String: String]
    public var commonLabels: [String: String]
    public var commonAnnotations: [String: String]
    public var externalURL: String?
    /// How many alerts the sender left out of `alerts` (Alertmanager's `max_alerts`).
    public var truncatedAlerts: Int
    public var alerts: [Alert]

    public init(source: AlertSource, receiver: String = "", status: AlertStatus, groupKey: String,
                groupLabels: [String: String] = [:], commonLabels: [String: String] = [:],
                commonAnnotations: [String: String] = [:], externalURL: String? = nil, truncatedAlerts: Int = 0,
                alerts: [Alert]) {
        self.source = source
        self.receiver = receiver
        self.status = status
        self.groupKey = groupKey
        self.groupLabels = groupLabels
        self.commonLabels = commonLabels
        self.commonAnnotations = commonAnnotations
        self.externalURL = externalURL
        self.truncatedAlerts = truncatedAlerts
        self.alerts = alerts
    }

    /// The labels rules are matched against: the group's labels over the labels every alert shares. The common
    /// labels are computed when the sender left them out (the generic shape has none).
    public var routingLabels: [String: String] {
        var common = commonLabels
        if common.isEmpty, let first = alerts.first {
            common = first.labels.filter { key, value in alerts.allSatisfy { $0.labels[key] == value } }
        }
        return common.merging(groupLabels) { _, group in group }
    }

    /// Reads a body posted by `source`. Unknown fields are ignored, so newer senders' additions
    /// (`notification_reason`, `routeLabels`) change nothing.
    public static func decode(_ body: Data, source: AlertSource) throws(IntakeRejection) -> AlertNotification {
        guard body.count <= maxBodyBytes else { throw .tooLarge(limit: maxBodyBytes) }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: body, options: [])
        } catch {
            throw .badRequest("the body is not JSON")
        }
        guard let object = parsed as? [String: Any] else { throw .badRequest("the body is not a JSON object") }
        let reader = JSONFields(object: object, prefix: "")
        switch source {
        case .alertmanager: return try decodeUpstream(reader, source: source, version: "4")
        case .grafana: return try decodeUpstream(reader, source: source, version: "1")
        case .generic: return try decodeGeneric(reader)
        }
    }

    /// Alertmanager's `notify/webhook.Message` and Grafana's webhook body share `template.Data`'s names; Grafana
    /// adds `orgId`, `state`, `title`, `message` and per-alert links, which are kept where they mean something here.
    private static func decodeUpstream(_ fields: JSONFields, source: AlertSource, version: String) throws(IntakeRejection)
        -> AlertNotification {
        guard let given = try fields.string("version") else { throw fields.missing("version") }
        guard given == version else {
            throw .badRequest("version: expected \"\(version)\" for \(source.rawValue), got \(quote(given))")
        }
        guard let groupKey = try fields.string("groupKey") else { throw fields.missing("groupKey") }
        guard let list = try fields.array("alerts") else { throw fields.missing("alerts") }
        var alerts: [Alert] = []
        for (index, element) in list.enumerated() {
            let alert = try fields.element(element, of: "alerts", at: index)
            guard let fingerprint = try alert.string("fingerprint"), !fingerprint.isEmpty else {
                throw alert.missing("fingerprint")
            }
            guard let startsAt = try alert.time("startsAt") else { throw alert.missing("startsAt") }
            alerts.append(Alert(
                status: try alert.status("status") ?? .firing, labels: try alert.labels("labels"),
                annotations: try alert.labels("annotations"), startsAt: startsAt, endsAt: try alert.time("endsAt"),
                generatorURL: try alert.nonEmptyString("generatorURL"), fingerprint: fingerprint,
                silenceURL: try alert.nonEmptyString("silenceURL"), dashboardURL: try alert.nonEmptyString("dashboardURL"),
                panelURL: try alert.nonEmptyString("panelURL")))
        }
        let truncated = try fields.count("truncatedAlerts") ?? 0
        return AlertNotification(
            source: source, receiver: try fields.string("receiver") ?? "",
            status: try fields.status("status") ?? derivedStatus(alerts), groupKey: groupKey,
            groupLabels: try fields.labels("groupLabels"), commonLabels: try fields.labels("commonLabels"),
            commonAnnotations: try fields.labels("commonAnnotations"), externalURL: try fields.nonEmptyString("externalURL"),
            truncatedAlerts: truncated, alerts: alerts)
    }

    /// The generic shape, for senders that speak neither upstream format:
    ///
    /// ```json
    /// {"group": "db-primary-down", "status": "firing",
    ///  "alerts": [{"id": "db1", "status": "firing", "labels": {"severity": "critical"},
    ///              "annotations": {"summary": "db1 is down"}, "starts_at": "2026-12-04T10:00:00Z",
    ///              "ends_at": null, "url": "https://…"}]}
    /// ```
    ///
    /// `group` and `alerts` are required, and each alert's `id` (its fingerprint) and `starts_at`; `status`
    /// defaults to firing; `ends_at` and `url` (kept as the generator URL) are optional.
    private static func decodeGeneric(_ fields: JSONFields) throws(IntakeRejection) -> AlertNotification {
        guard let group = try fields.string("group"), !group.isEmpty else { throw fields.missing("group") }
        guard let list = try fields.array("alerts") else { throw fields.missing("alerts") }
        var alerts: [Alert] = []
        for (index, element) in list.enumerated() {
            let alert = try fields.element(element, of: "alerts", at: index)
            guard let id = try alert.string("id"), !id.isEmpty else { throw alert.missing("id") }
            guard let startsAt = try alert.time("starts_at") else { throw alert.missing("starts_at") }
            alerts.append(Alert(
                status: try alert.status("status") ?? .firing, labels: try alert.labels("labels"),
                annotations: try alert.labels("annotations"), startsAt: startsAt, endsAt: try alert.time("ends_at"),
                generatorURL: try alert.nonEmptyString("url"), fingerprint: id))
        }
        return AlertNotification(source: .generic, status: try fields.status("status") ?? derivedStatus(alerts),
                                 groupKey: group, alerts: alerts)
    }

    /// A group is firing while any of its alerts is, as Alertmanager words `Data.Status`.
    private static func derivedStatus(_ alerts: [Alert]) -> AlertStatus {
        alerts.contains { $0.status == .firing } ? .firing : .resolved
    }
}

/// Reads typed fields from a JSON object, wording every failure with the field's full path (`alerts[2].startsAt`).
private struct JSONFields {
    let object: [String: Any]
    let prefix: String

    func name(_ key: String) -> String { prefix + key }

    func missing(_ key: String) -> IntakeRejection { .badRequest("\(name(key)): missing") }

    func wrong(_ key: String, _ expected: String) -> IntakeRejection { .badRequest("\(name(key)): must be \(expected)") }

    /// JSON `null` counts as absent, as Go's encoder writes nil maps and empty pointers.
    func value(_ key: String) -> Any? {
        guard let v = object[key], !(v is NSNull) else { return nil }
        return v
    }

    func string(_ key: String) throws(IntakeRejection) -> String? {
        guard let v = value(key) else { return nil }
        guard let s = v as? String else { throw wrong(key, "a string") }
        return s
    }

    func nonEmptyString(_ key: String) throws(IntakeRejection) -> String? {
        try string(key).flatMap { $0.isEmpty ? nil : $0 }
    }

    func array(_ key: String) throws(IntakeRejection) -> [Any]? {
        guard let v = value(key) else { return nil }
        guard let a = v as? [Any] else { throw wrong(key, "a list") }
        return a
    }

    func element(_ element: Any, of key: String, at index: Int) throws(IntakeRejection) -> JSONFields {
        guard let object = element as? [String: Any] else { throw .badRequest("\(name(key))[\(index)]: must be an object") }
        return JSONFields(object: object, prefix: "\(name(key))[\(index)].")
    }

    /// Label and annotation values are strings upstream (`template.KV`); anything else is a malformed body.
    func labels(_ key: String) throws(IntakeRejection) -> [String: String] {
        guard let v = value(key) else { return [:] }
        guard let map = v as? [String: Any] else { throw wrong(key, "an object of strings") }
        var out: [String: String] = [:]
        for (label, value) in map {
            guard let s = value as? String else { throw .badRequest("\(name(key)).\(InertText.make(label)): must be a string") }
            out[label] = s
        }
        return out
    }

    func status(_ key: String) throws(IntakeRejection) -> AlertStatus? {
        guard let text = try string(key) else { return nil }
        guard let status = AlertStatus(rawValue: text) else {
            throw .badRequest("\(name(key)): must be \"firing\" or \"resolved\", got \(quote(text))")
        }
        return status
    }

    func count(_ key: String) throws(IntakeRejection) -> Int? {
        guard let v = value(key) else { return nil }
        // JSONSerialization gives `true` as an NSNumber too (its type code `c`, a C char); true is not a count.
        guard let n = v as? NSNumber, String(cString: n.objCType) != "c", let i = Int(exactly: n.doubleValue), i >= 0 else {
            throw wrong(key, "a whole number, 0 or more")
        }
        return i
    }

    /// RFC 3339 with any fraction and offset; Go's zero time (and an empty string) is no time at all.
    func time(_ key: String) throws(IntakeRejection) -> Date? {
        guard let text = try string(key), !text.isEmpty else { return nil }
        guard let parsed = RFC3339.parse(text) else {
            throw .badRequest("\(name(key)): not an RFC 3339 time: \(quote(text))")
        }
        return parsed.isGoZero ? nil : parsed.date
    }
}
