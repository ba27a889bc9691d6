import AlertIntake
import Foundation
import Testing

struct PayloadTests {
    @Test func alertmanagerV4() throws {
        let n = try AlertNotification.decode(Payloads.alertmanager(alerts: [Payloads.amAlert("a1b2c3d4e5f60718")], truncated: 3),
                                             source: .alertmanager)
        #expect(n.source == .alertmanager && n.status == .firing && n.receiver == "warroom")
        #expect(n.groupKey == #"{}/{severity="critical"}:{alertname="DiskFull"}"#)
        #expect(n.truncatedAlerts == 3)
        #expect(n.externalURL == "http://alertmanager.example:9093")
        let alert = try #require(n.alerts.first)
        #expect(alert.fingerprint == "a1b2c3d4e5f60718")
        #expect(alert.endsAt == nil, "Go's zero time means no end")
        #expect(abs(alert.startsAt.timeIntervalSince1970 - 1_796_378_400.123456789) < 1e-6)
        #expect(alert.labels["instance"] == "db1")
        #expect(alert.generatorURL?.hasPrefix("http://prometheus.example") == true)
        #expect(n.routingLabels == ["alertname": "DiskFull", "severity": "critical", "team": "storage"])
    }

    @Test func newerAlertmanagerFieldsAreAccepted() throws {
        let extra = #", "notification_reason": "alert_group_updated", "routeLabels": {"team": "storage"}, "somethingNew": [1, 2]"#
        let with = try AlertNotification.decode(Payloads.alertmanager(alerts: [Payloads.amAlert("f1")], extra: extra), source: .alertmanager)
        let without = try AlertNotification.decode(Payloads.alertmanager(alerts: [Payloads.amAlert("f1")]), source: .alertmanager)
        #expect(with == without)
    }

    @Test func grafanaV1() throws {
        let n = try AlertNotification.decode(Payloads.grafana, source: .grafana)
        let alert = try #require(n.alerts.first)
        #expect(alert.fingerprint == "57c6d9296de2ad39")
        #expect(alert.startsAt == Date(timeIntervalSince1970: 1_796_378_400), "11:00+01:00 is 10:00Z")
        #expect(alert.dashboardURL == "https://grafana.example/d/xyz")
        #expect(alert.panelURL == "https://grafana.example/d/xyz?viewPanel=2")
        #expect(alert.silenceURL?.contains("silence") == true)
        #expect(n.commonAnnotations.isEmpty && n.commonLabels["severity"] == "warning")
    }

    @Test func resolvedKeepsEndsAt() throws {
        let body = Payloads.alertmanager(status: "resolved", alerts: [Payloads.amAlert("f1", status: "resolved", endsAt: "2026-12-04T10:30:00.5-05:00")])
        let n = try AlertNotification.decode(body, source: .alertmanager)
        #expect(n.status == .resolved)
        #expect(n.alerts[0].endsAt == Date(timeIntervalSince1970: 1_796_378_400 + 5 * 3600 + 1800.5))
    }

    @Test func generic() throws {
        let body = Data("""
            {"group": "db-primary", "alerts": [{"id": "db1", "labels": {"severity": "critical"}, "starts_at": "2026-12-04T10:00:00Z",
             "url": "https://monitor.example/db1"}, {"id": "db2", "status": "resolved", "starts_at": "2026-12-04T09:00:00Z",
             "ends_at": "2026-12-04T09:30:00Z"}]}
            """.utf8)
        let n = try AlertNotification.decode(body, source: .generic)
        #expect(n.groupKey == "db-primary" && n.status == .firing)
        #expect(n.alerts.map(\.fingerprint) == ["db1", "db2"])
        #expect(n.alerts[0].status == .firing && n.alerts[0].generatorURL == "https://monitor.example/db1")
        #expect(n.alerts[1].endsAt == Date(timeIntervalSince1970: 1_796_376_600))
        #expect(n.routingLabels.isEmpty, "labels the alerts do not share are not the group's")
    }

    static let badBodies: [(source: AlertSource, body: String, field: String)] = [
        (.alertmanager, "not json", "not JSON"),
        (.alertmanager, "[1, 2]", "not a JSON object"),
        (.alertmanager, #"{"groupKey": "g", "alerts": []}"#, "version: missing"),
        (.alertmanager, #"{"version": "3", "groupKey": "g", "alerts": []}"#, #"version: expected "4""#),
        (.grafana, #"{"version": "4", "groupKey": "g", "alerts": []}"#, #"version: expected "1""#),
        (.alertmanager, #"{"version": "4", "alerts": []}"#, "groupKey: missing"),
        (.alertmanager, #"{"version": "4", "groupKey": 7, "alerts": []}"#, "groupKey: must be a string"),
        (.alertmanager, #"{"version": "4", "groupKey": "g"}"#, "alerts: missing"),
        (.alertmanager, #"{"version": "4", "groupKey": "g", "alerts": {}}"#, "alerts: must be a list"),
        (.alertmanager, #"{"version": "4", "groupKey": "g", "alerts": [{"startsAt": "2026-12-04T10:00:00Z"}]}"#, "alerts[0].fingerprint: missing"),
        (.alertmanager, #"{"version": "4", "groupKey": "g", "alerts": [{"fingerprint": "f"}]}"#, "alerts[0].startsAt: missing"),
        (.alertmanager, #"{"version": "4", "groupKey": "g", "alerts": [{"fingerprint": "f", "startsAt": "yesterday"}]}"#, "alerts[0].startsAt: not an RFC 3339 time"),
        (.alertmanager, #"{"version": "4", "groupKey": "g", "alerts": [{"fingerprint": "f", "status": "ok", "startsAt": "2026-12-04T10:00:00Z"}]}"#, "alerts[0].status: must be"),
        (.alertmanager, #"{"version": "4", "groupKey": "g", "alerts": [{"fingerprint": "f", "startsAt": "2026-12-04T10:00:00Z", "labels": {"a": 1}}]}"#, "alerts[0].labels.a: must be a string"),
        (.alertmanager, #"{"version": "4", "groupKey": "g", "alerts": [], "truncatedAlerts": true}"#, "truncatedAlerts: must be a whole number"),
        (.generic, #"{"alerts": []}"#, "group: missing"),
        (.generic, #"{"group": "g", "alerts": [{"starts_at": "2026-12-04T10:00:00Z"}]}"#, "alerts[0].id: missing"),
    ]

    @Test(arguments: badBodies.indices) func badRequestNamesTheField(index: Int) {
        let (source, body, field) = Self.badBodies[index]
        #expect {
            try AlertNotification.decode(Data(body.utf8), source: source)
        } throws: { error in
            guard let rejection = error as? IntakeRejection, case .badRequest(let message) = rejection else { return false }
            return rejection.httpStatus == 400 && message.contains(field) && !message.contains("\n")
        }
    }

    @Test func badRequestMessagesAreInert() throws {
        let body = Data(#"{"version": "4\u001b[2J\n", "groupKey": "g", "alerts": []}"#.utf8)
        do {
            _ = try AlertNotification.decode(body, source: .alertmanager)
            Issue.record("accepted a wrong version")
        } catch {
            #expect(!error.description.contains("\u{1B}") && !error.description.contains("\n"))
        }
    }

    @Test func oneMebibyteLimit() throws {
        let alert = Payloads.amAlert("f1")
        var body = Payloads.alertmanager(alerts: [alert])
        body.append(Data(repeating: UInt8(ascii: " "), count: AlertNotification.maxBodyBytes - body.count))
        #expect(try AlertNotification.decode(body, source: .alertmanager).alerts.count == 1, "exactly 1 MiB is accepted")
        body.append(UInt8(ascii: " "))
        #expect(throws: IntakeRejection.tooLarge(limit: AlertNotification.maxBodyBytes)) {
            try AlertNotification.decode(body, source: .alertmanager)
        }
        #expect(IntakeRejection.tooLarge(limit: 1).httpStatus == 413)
    }

    @Test(arguments: [
        ("2026-12-04T10:00:00Z", 1_796_378_400.0),
        ("2026-12-04T10:00:00.5Z", 1_796_378_400.5),
        ("2026-12-04t10:00:00z", 1_796_378_400.0),
        ("2026-12-04T12:30:00+02:30", 1_796_378_400.0),
        ("2026-12-04T05:00:00-05:00", 1_796_378_400.0),
        ("2024-02-29T00:00:00Z", 1_709_164_800.0),
        ("1970-01-01T00:00:00Z", 0.0),
    ])
    func rfc3339(text: String, seconds: Double) throws {
        let body = Data(#"{"group": "g", "alerts": [{"id": "a", "starts_at": "\#(text)"}]}"#.utf8)
        let alert = try AlertNotification.decode(body, source: .generic).alerts[0]
        #expect(abs(alert.startsAt.timeIntervalSince1970 - seconds) < 1e-6)
    }

    @Test(arguments: ["2026-12-04", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z", "2026-12-04T10:00:00", "2026-12-04T10:00:00.Z",
                      "2026-12-04T10:00:00+0200", "2026-12-04T10:00:00Z junk"])
    func notRFC3339(text: String) {
        let body = Data(#"{"group": "g", "alerts": [{"id": "a", "starts_at": "\#(text)"}]}"#.utf8)
        #expect(throws: IntakeRejection.self) { try AlertNotification.decode(body, source: .generic) }
    }
}
