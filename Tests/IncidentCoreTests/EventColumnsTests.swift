import Foundation
import IncidentCore
import Testing

@Suite("Event columns")
struct EventColumnsTests {
    static let payloads: [EventPayload] = [
        .declared(Declaration(title: "Checkout down", severity: .l1)),
        .declared(Declaration(title: "Storage tier offline", severity: .l2, impact: "documents unavailable")),
        .declared(Declaration(title: "Game day", severity: .l3, impact: "none, a drill", isDrill: true)),
        .declared(Declaration(title: "Noise", severity: .l4, isDrill: true)),
        .declared(Declaration(title: "Empty impact", severity: .l4, impact: "")),
        .note("alert fired"),
        .note("quotes \" and newlines\n and ünïcödé 🔥"),
        .decision("restore from backup"),
        .actionItem("add an off-site backup"),
        .stateChanged(from: .declared, to: .investigating, reason: nil, override: nil),
        .stateChanged(from: .identified, to: .mitigating, reason: "rolling back", override: nil),
        .stateChanged(from: .monitoring, to: .resolved, reason: "traffic normal", override: "customer confirmed"),
        .stateChanged(from: .monitoring, to: .resolved, reason: nil, override: "{\"json\": \"inside\"}"),
        .stateChanged(from: .resolved, to: .closed, reason: "", override: nil),
        .severityChanged(from: .l2, to: .l1, reason: "all regions"),
        .severityChanged(from: .l1, to: .l4, reason: "false alarm"),
        .roleAssigned(role: "comms", holder: "bob"),
        .roleAssigned(role: "network-expert", holder: "dave"),
        .correction(of: 17, text: "14:07, not 14:17"),
        .statusUpdateSent(message: "We are investigating elevated errors."),
        .delivery(.queued(update: 7, channels: ["ops-war-room", "值班群"])),
        .delivery(.delivered(update: 7, channel: "ops-war-room", attempt: 1, detail: nil)),
        .delivery(.delivered(update: 7, channel: "log", attempt: 3, detail: "already in the file")),
        .delivery(.failed(update: 7, channel: "ops-war-room", attempt: 2, problem: "webhook 503", retryIn: 10)),
        .delivery(.abandoned(update: 7, channel: "ops-war-room", attempt: 8, problem: "webhook 404")),
        .delivery(.requeued(update: 7, channel: "ops-war-room")),
        .postmortem(.generated(path: "postmortems/INC-1.md", throughEvent: 41, digest: "00ff00ff00ff00ff")),
        .declared(Declaration(title: "Tagged", severity: .l1, tags: ["storage", "backup"])),
        .runbook(.attached(Runbook(id: "r", title: "R", severities: [.l1], tags: ["storage"]), trigger: .matched(.l1, tags: ["storage"]))),
        .runbook(.attached(Runbook(id: "r", title: "R", severities: [.l1]), trigger: .manual)),
        .runbook(.step(StepEvent(runbook: "r", step: "s", number: 1, text: "Step", action: .done))),
        .runbook(.step(StepEvent(runbook: "r", step: "s", number: 1, text: "Step", action: .skipped, reason: "why"))),
        .runbook(.step(StepEvent(runbook: "r", step: "s", number: 1, text: "Step", action: .undone, reverts: 4))),
        .paging(.paged(PageOrder(contact: "sam", name: "Sam Lee", role: "dba", tier: .primary, via: .phone, address: "+46 8 555", ackTimeout: 300))),
        .paging(.acknowledged(PageAck(contact: "sam", name: "Sam Lee", role: "dba", page: 7, after: 95))),
        .drill(.started(DrillScenario(id: "d", title: "Drill", runbooks: ["r"], severity: .l2,
                                      injects: [.init(offsetSeconds: 0, kind: .alert, text: "down", line: 5)]), speed: 60)),
        .drill(.injected(DrillInjection(index: 0, inject: .init(offsetSeconds: 0, kind: .alert, text: "down", line: 5)))),
        .drill(.ended(.ended)),
        .handoff(.offered(role: "ic", to: "bob", from: "alice")),
        .handoff(.declined(role: "scribe", by: "dev")),
    ]

    @Test(arguments: payloads)
    func roundTrip(payload: EventPayload) throws {
        let columns = payload.columns
        #expect(columns.kind == payload.kind.rawValue)
        #expect(try EventPayload(columns: columns) == payload)
    }

    /// Every kind appears in the round trip above.
    @Test func everyKindIsCovered() {
        #expect(Set(Self.payloads.map(\.kind)) == Set(EventKind.allCases))
    }

    @Test func exactColumns() {
        #expect(EventPayload.declared(Declaration(title: "t", severity: .l1)).columns
            == EventColumns(kind: "declared", text: "t", value: "L1"))
        #expect(EventPayload.declared(Declaration(title: "t", severity: .l2, impact: "EU", isDrill: true)).columns
            == EventColumns(kind: "declared", text: "t", value: "L2", extra: #"{"drill":"true","impact":"EU"}"#))
        #expect(EventPayload.note("n").columns == EventColumns(kind: "note", text: "n"))
        #expect(EventPayload.decision("d").columns == EventColumns(kind: "decision", text: "d"))
        #expect(EventPayload.actionItem("a").columns == EventColumns(kind: "action", text: "a"))
        #expect(EventPayload.statusUpdateSent(message: "m").columns == EventColumns(kind: "broadcast", text: "m"))
        #expect(EventPayload.stateChanged(from: .monitoring, to: .resolved, reason: "r", override: nil).columns
            == EventColumns(kind: "state", value: "resolved", prior: "monitoring", reason: "r"))
        #expect(EventPayload.stateChanged(from: .monitoring, to: .resolved, reason: nil, override: "o").columns
            == EventColumns(kind: "state", value: "resolved", prior: "monitoring", extra: #"{"override":"o"}"#))
        #expect(EventPayload.severityChanged(from: .l3, to: .l1, reason: "r").columns
            == EventColumns(kind: "severity", value: "L1", prior: "L3", reason: "r"))
        #expect(EventPayload.roleAssigned(role: "scribe", holder: "sam").columns
            == EventColumns(kind: "role", text: "sam", value: "scribe"))
        #expect(EventPayload.correction(of: 9, text: "c").columns == EventColumns(kind: "correction", text: "c", ref: 9))
    }

    @Test func kinds() {
        #expect(EventKind.allCases.map(\.rawValue)
            == ["declared", "note", "decision", "action", "state", "severity", "role", "correction", "broadcast", "delivery", "postmortem",
                "page", "ack", "runbook", "step", "drill", "inject", "handoff"])
    }

    /// Columns a newer writer might add are ignored by this reader rather than refused.
    @Test func unknownExtraFieldsAreIgnored() throws {
        let columns = EventColumns(kind: "declared", text: "t", value: "L2", extra: #"{"impact":"EU","region":"eu-1"}"#)
        #expect(try EventPayload(columns: columns)
            == .declared(Declaration(title: "t", severity: .l2, impact: "EU")))
    }

    @Test(arguments: [
        (EventColumns(kind: "pager", text: "x"), "unknown kind"),
        (EventColumns(kind: "", text: "x"), "unknown kind"),
        (EventColumns(kind: "Note", text: "x"), "unknown kind"),
        (EventColumns(kind: "note"), "no text"),
        (EventColumns(kind: "decision"), "no text"),
        (EventColumns(kind: "action"), "no text"),
        (EventColumns(kind: "broadcast"), "no text"),
        (EventColumns(kind: "declared", value: "L1"), "no text"),
        (EventColumns(kind: "declared", text: "t"), "bad severity"),
        (EventColumns(kind: "declared", text: "t", value: "L9"), "bad severity"),
        (EventColumns(kind: "declared", text: "t", value: "L1", extra: "not json"), "bad extra fields"),
        (EventColumns(kind: "declared", text: "t", value: "L1", extra: #"{"drill":true}"#), "bad extra fields"),
        (EventColumns(kind: "declared", text: "t", value: "L1", extra: #"["impact"]"#), "bad extra fields"),
        (EventColumns(kind: "state", value: "resolved"), "bad state"),
        (EventColumns(kind: "state", prior: "monitoring"), "bad state"),
        (EventColumns(kind: "state", value: "done", prior: "monitoring"), "bad state"),
        (EventColumns(kind: "state", value: "resolved", prior: "monitoring", extra: "{"), "bad extra fields"),
        (EventColumns(kind: "severity", value: "L1", prior: "L2"), "bad severity"),
        (EventColumns(kind: "severity", value: "L1", reason: "r"), "bad severity"),
        (EventColumns(kind: "severity", value: "P1", prior: "L2", reason: "r"), "bad severity"),
        (EventColumns(kind: "role", text: "bob"), "no role"),
        (EventColumns(kind: "role", value: "scribe"), "no text"),
        (EventColumns(kind: "correction", text: "c"), "no corrected entry"),
        (EventColumns(kind: "correction", ref: 3), "no text"),
    ])
    func undecodableRows(columns: EventColumns, problem: String) {
        let error = #expect(throws: EventDecodingError.self) { try EventPayload(columns: columns) }
        #expect(error?.kind == columns.kind)
        #expect(error?.problem == problem)
    }

    @Test func decodingErrorMessage() {
        let error = #expect(throws: EventDecodingError.self) {
            try EventPayload(columns: EventColumns(kind: "pager", text: "x"))
        }
        #expect(error?.description == "cannot read a stored 'pager' event: unknown kind")
    }
}

@Suite("Timeline summaries")
struct SummaryTests {
    @Test(arguments: [
        (EventPayload.declared(Declaration(title: "Checkout down", severity: .l1)), "declared L1: Checkout down"),
        (.declared(Declaration(title: "Game day", severity: .l3, impact: "none", isDrill: true)),
         "declared L3 drill: Game day — impact: none"),
        (.declared(Declaration(title: "t", severity: .l2, impact: "")), "declared L2: t"),
        (.note("alert fired"), "alert fired"),
        (.decision("roll back"), "roll back"),
        (.actionItem("add canary"), "add canary"),
        (.stateChanged(from: .declared, to: .investigating, reason: nil, override: nil), "declared → investigating"),
        (.stateChanged(from: .declared, to: .investigating, reason: "", override: nil), "declared → investigating"),
        (.stateChanged(from: .mitigating, to: .monitoring, reason: "fix deployed", override: nil),
         "mitigating → monitoring: fix deployed"),
        (.stateChanged(from: .monitoring, to: .resolved, reason: "ok", override: "customer confirmed"),
         "monitoring → resolved: ok (monitoring period overridden: customer confirmed)"),
        (.severityChanged(from: .l2, to: .l1, reason: "all regions"), "L2 → L1: all regions"),
        (.roleAssigned(role: "comms", holder: "bob"), "bob is communications lead"),
        (.roleAssigned(role: "dba", holder: "eve"), "eve is dba"),
        (.correction(of: 12, text: "14:07"), "corrects #12: 14:07"),
        (.statusUpdateSent(message: "all clear"), "all clear"),
    ])
    func summaries(payload: EventPayload, text: String) {
        #expect(payload.summary == text)
    }

    @Test func draftsBecomeEvents() {
        let draft = EventDraft(occurredAt: minute(-7), recordedAt: minute(1), actor: "sam", payload: .note("alert"))
        #expect(draft.event(id: 9, incident: "INC-3")
            == Event(id: 9, incident: "INC-3", occurredAt: minute(-7), recordedAt: minute(1), actor: "sam",
                     payload: .note("alert")))
    }
}
