import Broadcast
import ContactsKit
import Drills
import Foundation
import IncidentCore
import IncidentStore
import Postmortem
import RunbookKit
import Testing
import WarroomTestSupport

// A whole drill without a terminal: the shipped storage scenario on the real store, run at 600× on a clock the test
// advances in steps of real time, with the team's answers scripted by drill minute. The runner's calls are the ones
// the console's store worker makes.

let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The console's accelerated clock with real time under the test's control, advanced in whole polls so drill
/// minutes land exactly.
struct SteppedClock {
    let start: Date
    let speed: Double
    /// Real seconds per poll.
    let poll: TimeInterval
    private(set) var polls = 0

    /// Drill seconds per poll.
    var step: TimeInterval { (poll * speed).rounded() }
    var now: Date { start.addingTimeInterval(Double(polls) * step) }
    /// Drill minutes since the start.
    var minutes: Double { Double(polls) * step / 60 }

    mutating func advance() { polls += 1 }
}

/// The hardware role's ladder: Ravi first, the datacentre team's line next; five minutes to acknowledge at L1.
let hardwareBook = ContactBook(
    contacts: [
        Contact(id: "ravi", name: "Ravi Patel", phone: "+1 555 0111"),
        Contact(id: "dc-ops", name: "Datacentre ops", kind: .team, phone: "+1 555 0190"),
    ],
    roles: [EscalationRole(id: "hardware", tiers: [TierAssignment(tier: .primary, contact: "ravi"),
                                                 TierAssignment(tier: .secondary, contact: "dc-ops")])],
    policies: [.l1: EngagementPolicy(severity: .l1, roles: ["hardware"], ackTimeout: .seconds(300)),
               .l2: EngagementPolicy(severity: .l2, roles: ["hardware"], ackTimeout: .seconds(300))])

/// The drill time the outbox worker stamps deliveries with; the worker reads it from its own tasks.
final class DeliveryTime: @unchecked Sendable {
    // @unchecked: written by the test between deliveries, read by the worker during them, never at once.
    var now: Date
    init(_ now: Date) { self.now = now }
}

@Suite("Headless drill at 600×")
struct HeadlessDrillTests {
    let start = Date(timeIntervalSince1970: 1_795_442_400)  // 2026-11-23T14:00:00Z

    func shipped() throws -> (scenario: DrillScenario, runbooks: [Runbook]) {
        let runbooks = RunbookLinter.load(paths: [repository.appendingPathComponent("Runbooks").path])
        let drills = DrillLinter.load(paths: [repository.appendingPathComponent("Runbooks/drills").path], runbooks: runbooks)
        #expect(drills.problems.isEmpty)
        let scenario = try #require(drills.scenarios.first { $0.id == "storage-nodes-offline" })
        return (scenario, runbooks.usable)
    }

    @Test("injects land on time, nothing reaches a real channel, and the score card's figures match what the team did")
    func storageDrill() async throws {
        let workspace = try makeTemporaryDirectory("warroom-drill")
        defer { try? FileManager.default.removeItem(at: workspace) }
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        // Real channels: a webhook on loopback and a file. A drill must reach neither.
        let config = try WarroomConfig.parse("""
            channels:
              - name: ops-webhook
                type: webhook
                format: generic
                url: \(receiver.url)
                audience: [tactical, executive]
              - name: ops-file
                type: file
                path: real-updates.log
            """, path: "warroom.yaml")
        let sink = DrillSink(workspace: workspace)

        let (scenario, runbooks) = try shipped()
        let store = try SQLiteEventStore.open(workspace: workspace)
        let speed = 600.0
        // The console's worker polls every quarter second; a hundredth of a second here is 6 drill seconds at 600×.
        var clock = SteppedClock(start: start, speed: speed, poll: 0.01)
        let id = try await DrillSession.start(scenario, runbooks: runbooks, speed: speed, store: store, actor: "maria", now: clock.now)
        #expect(id == "DRILL-1")
        let session = DrillSession(incident: id, store: store, workspace: workspace, contacts: hardwareBook,
                                   timeZone: TimeZone(identifier: "UTC")!)
        let deliveryTime = DeliveryTime(start)
        let sender = ChannelSender(workspace: workspace)
        let worker = OutboxWorker(store: store, config: config, sender: sender, eventTime: { deliveryTime.now })

        let storage = try #require(runbooks.first { $0.id == "storage-restore-from-backup" })
        let major = try #require(runbooks.first { $0.id == "major-incident" })
        func step(_ runbook: Runbook, reaching milestone: String) throws -> String {
            "\(runbook.id):\(try #require(runbook.step(reaching: milestone)).number)"
        }
        func record(_ command: IncidentCommand, by actor: String) throws {
            let now = clock.now
            _ = try store.append(to: id) { state in
                try state.drafts(for: command, at: now, now: now, actor: actor, runbooks: runbooks)
            }
        }
        func broadcast(_ message: String) async throws {
            _ = try await StatusBroadcaster.send(message, audience: .tactical, to: id, store: store, config: config, actor: "chen",
                                           now: clock.now)
            deliveryTime.now = clock.now
            _ = await worker.deliverDue()
        }
        func pageNext(_ role: String) throws {
            let now = clock.now
            _ = try store.append(to: id) { state in
                let order = try state.proposePage(role, contacts: hardwareBook, now: now).order
                return [EventDraft(occurredAt: now, recordedAt: now, actor: "maria",
                                   payload: try state.decide(.paging(.page(order)), at: now, now: now))]
            }
        }

        // What the team does, by drill minute.
        let script: [(minute: Double, act: () async throws -> Void)] = [
            (1, { try record(.assignRole(role: Role.scribe, holder: "dev"), by: "maria")
                  try record(.acceptRole(Role.scribe), by: "dev")
                  try record(.assignRole(role: Role.communications, holder: "chen"), by: "maria")
                  try record(.acceptRole(Role.communications), by: "chen")
                  try record(.runbook(.check(try step(major, reaching: "command_established"))), by: "maria") }),
            (2, { try record(.runbook(.check("storage-restore-from-backup:1")), by: "maria")
                  try record(.runbook(.check("storage-restore-from-backup:2")), by: "sam") }),
            (7, { try record(.changeSeverity(to: .l1, reason: "customers cannot open documents; data at risk"), by: "maria") }),
            (9, { try await broadcast("[L1] Documents unavailable; storage nodes offline. Next update in 15 minutes.")
                  try record(.runbook(.check(try step(major, reaching: "first_broadcast"))), by: "chen") }),
            (16, { try pageNext("hardware") }),
            (17, { try record(.paging(.acknowledge("hardware")), by: "maria")
                   try record(.runbook(.check(try step(major, reaching: "responders_engaged"))), by: "maria") }),
            (18, { try record(.runbook(.check(try step(storage, reaching: "hardware_engaged"))), by: "sam") }),
            (20, { try record(.runbook(.skip("storage-restore-from-backup:6", reason: "the hardware team already listed the wiped nodes")), by: "sam") }),
            (24, { try await broadcast("[L1] Nodes wiped by an ops tool; deciding between repair and restore.") }),
            (35, { try record(.runbook(.check(try step(storage, reaching: "restore_decision"))), by: "maria") }),
            (39, { try await broadcast("[L1] Restoring from last night's backup.") }),
            (47, { try record(.decision("Stay at L1: most users still cannot save; data at risk until the restore is verified"), by: "maria") }),
            (54, { try await broadcast("[L1] Restore started; estimate to follow.") }),
            (55, { try record(.runbook(.check(try step(storage, reaching: "restore_started"))), by: "dev") }),
            (73, { try record(.note("re-reading the pack from the second copy"), by: "sam") }),
        ]

        // The console's worker: advance the drill every poll; the team acts when the drill clock reaches its minute.
        var next = 0
        var firedAt: [Int: (occurred: Date, recorded: Date)] = [:]
        while clock.minutes < 85 {
            clock.advance()
            let progress = try await session.advance(now: clock.now)
            #expect(progress.scoreCard == nil)
            for event in progress.recorded {
                if case .drill(.injected(let injection)) = event.payload { firedAt[injection.index] = (event.occurredAt, event.recordedAt) }
            }
            while next < script.count, script[next].minute <= clock.minutes {
                try await script[next].act()
                next += 1
            }
        }
        #expect(next == script.count)
        await sender.shutdown()

        // Every inject up to T+85m fired at its offset exactly, recorded within one poll of it; the T+3h one did not.
        #expect(firedAt.keys.sorted() == Array(0...8))
        for (index, times) in firedAt {
            #expect(times.occurred == start.addingTimeInterval(TimeInterval(scenario.injects[index].offsetSeconds)))
            #expect(times.recorded.timeIntervalSince(times.occurred) <= clock.step)
        }

        let result = try await session.end(.ended, at: clock.now, now: clock.now, actor: "maria")
        let card = result.card

        #expect(card.speed == 600)
        #expect(card.ending == .ended)
        #expect(card.length == 85 * 60)
        #expect(card.worstSeverity == .l1)

        // Milestones, measured from T+0 against the runbooks' targets.
        func milestone(_ name: String) throws -> RunbookFacts.Milestone { try #require(card.milestones.first { $0.milestone == name }) }
        #expect(try milestone("command_established").reachedAfter == 60)
        #expect(try milestone("command_established").isMet == true)
        #expect(try milestone("first_broadcast").reachedAfter == 9 * 60)
        #expect(try milestone("hardware_engaged").reachedAfter == 18 * 60)
        #expect(try milestone("hardware_engaged").isMet == false)
        #expect(try milestone("restore_decision").reachedAfter == 35 * 60)
        #expect(try milestone("restore_started").reachedAfter == 55 * 60)
        #expect(try milestone("restore_started").isMet == true)
        #expect(try milestone("mitigated").reachedAfter == nil)
        // Met: command, first broadcast, restore decision, restore started. Due within the 85 minutes: those,
        // hardware engaged and responders engaged (both late), and mitigated (1h); the restore's later targets
        // (5h and more) were not yet due.
        #expect(card.milestonesMet == 4)
        #expect(card.milestonesDue.count == 7)

        // Steps: 8 checked, 1 skipped, the rest of the two runbooks left.
        let total = storage.steps.count + major.steps.count
        #expect((card.stepsDone, card.stepsSkipped, card.stepsLeft) == (8, 1, total - 9))

        // Updates: the change to L1 at T+7m made one due at once, sent at T+9m (2 min late); then T+24m, T+39m,
        // T+54m on time; the one due at T+69m was never sent.
        #expect(card.statusUpdates.updates.map { $0.lateBy } == [120, 0, 0, 0])
        #expect((card.statusUpdates.onTimeCount, card.statusUpdates.lateCount) == (3, 1))
        #expect(card.statusUpdates.missed?.dueAt == start.addingTimeInterval(69 * 60))

        // Pages: the scenario's unanswered page to Ravi at T+10m, escalated at T+16m to the datacentre line,
        // which acknowledged a minute later.
        #expect(card.pages.map(\.target) == ["Ravi Patel", "Datacentre ops"])
        #expect(card.pages.map(\.timeToAcknowledge) == [nil, 60])
        #expect(card.silentPages.count == 1)
        #expect(card.silentPages[0].escalatedAfter == TimeInterval(6 * 60))
        #expect(card.silentPages[0].escalatedInTime)

        // The severity pushes at T+6m and T+45m were answered by a change (1 min) and a decision (2 min).
        let pressure = card.injects.filter { $0.inject.kind == .severity }
        #expect(pressure.map(\.answeredAfter) == [60, 120])
        #expect(pressure.map(\.answerKind) == [.severity, .decision])

        #expect(card.practise == [
            "Reach hardware_engaged (storage-restore-from-backup) sooner: target T+15m, reached at T+18m",
            "Reach responders_engaged (major-incident) sooner: target T+15m, reached at T+17m",
            "Reach mitigated (major-incident): target T+1h, not reached in the drill",
            "Keep the status-update cadence: 1 of 5 updates late (worst by 2m), one due at T+1h9m never sent",
            "React to new information: nothing was recorded after T+1h20m note",
        ])

        // The card is written beside the postmortem.
        #expect(result.path == "postmortems/DRILL-1-scorecard.md")
        let written = try String(contentsOf: workspace.appendingPathComponent(result.path), encoding: .utf8)
        #expect(written == result.text)
        #expect(written.contains("## What to practise next"))
        #expect(written.contains("| storage-restore-from-backup | restore_complete | T+5h | not reached | not due: the drill ended first |"))
        #expect(written.contains("| storage-restore-from-backup | hardware_engaged | T+15m | T+18m | missed by 3m |"))

        // Only the drill sink heard anything: four updates and both pages, and no request or file anywhere real.
        let sinkText = try String(contentsOf: sink.url, encoding: .utf8)
        #expect(sinkText.components(separatedBy: "\n== ").count == 6)
        #expect(sinkText.contains("page by phone to Ravi Patel (hardware, primary)"))
        #expect(sinkText.contains("page by phone to Datacentre ops (hardware, secondary)"))
        #expect(sinkText.contains("Restore started; estimate to follow."))
        #expect(receiver.requests.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: workspace.appendingPathComponent("real-updates.log").path))

        // An ended drill takes nothing more.
        #expect(try await session.advance(now: clock.now.addingTimeInterval(3 * 3600)).recorded.isEmpty)
        await #expect(throws: RuleError.self) { try await session.end(.ended, at: clock.now, now: clock.now, actor: "maria") }
    }

    @Test("every shipped scenario runs to its end against the shipped contacts, each unanswered inject paging someone")
    func shippedScenariosRun() async throws {
        let runbooks = RunbookLinter.load(paths: [repository.appendingPathComponent("Runbooks").path])
        let drills = DrillLinter.load(paths: [repository.appendingPathComponent("Runbooks/drills").path], runbooks: runbooks)
        let (book, problems) = ContactsFile.parse(ContactsExample.yaml, path: "contacts.example.yaml")
        #expect(problems.isEmpty)
        #expect(drills.scenarios.count == 5)
        for scenario in drills.scenarios {
            let workspace = try makeTemporaryDirectory("warroom-drill")
            defer { try? FileManager.default.removeItem(at: workspace) }
            let store = try SQLiteEventStore.open(workspace: workspace)
            let id = try await DrillSession.start(scenario, runbooks: runbooks.usable, speed: 600, store: store, actor: "maria", now: start)
            let session = DrillSession(incident: id, store: store, workspace: workspace, contacts: book)
            let end = start.addingTimeInterval(TimeInterval(scenario.scriptedLength.components.seconds))
            let progress = try await session.advance(now: end)
            let recorded = progress.recorded
            let injected = recorded.compactMap { event -> DrillInjection? in
                if case .drill(.injected(let injection)) = event.payload { injection } else { nil }
            }
            #expect(injected.map(\.index) == Array(scenario.injects.indices), "\(scenario.id)")
            for injection in injected where injection.inject.kind == .unanswered {
                #expect(injection.silentContact != nil, "\(scenario.id): \(injection.inject.text) pages nobody in contacts.example.yaml")
            }
            #expect(progress.nextInject == nil)
            let card = try await session.end(.ended, at: end, now: end, actor: "maria")
            #expect(card.card.injects.count == scenario.injects.count)
        }
    }

    @Test("resolving the drill incident ends the drill and writes its card")
    func resolvingEnds() async throws {
        let workspace = try makeTemporaryDirectory("warroom-drill")
        defer { try? FileManager.default.removeItem(at: workspace) }
        let (scenario, runbooks) = try shipped()
        let store = try SQLiteEventStore.open(workspace: workspace)
        let id = try await DrillSession.start(scenario, runbooks: runbooks, speed: 60, store: store, actor: "maria", now: start)
        let session = DrillSession(incident: id, store: store, workspace: workspace, contacts: nil)
        let at = start.addingTimeInterval(20 * 60)
        _ = try await session.advance(now: at)
        for next in [LifecycleState.investigating, .identified, .mitigating, .monitoring, .resolved] {
            _ = try store.append(to: id) { state in
                [EventDraft(occurredAt: at, recordedAt: at, actor: "maria",
                            payload: try state.decide(.changeState(to: next, reason: nil, override: next == .resolved ? "practice run" : nil),
                                                      at: at, now: at))]
            }
        }
        let progress = try await session.advance(now: at.addingTimeInterval(60))
        let card = try #require(progress.scoreCard)
        #expect(card.card.ending == .resolved)
        #expect(card.card.endedAt == at)
        // Without contacts the unanswered inject pages nobody and says so.
        let events = try store.events(of: id)
        #expect(events.contains { $0.payload.summary.contains("nobody by that name in the contacts") })
        #expect(!events.contains { if case .paging = $0.payload { true } else { false } })
        #expect(FileManager.default.fileExists(atPath: workspace.appendingPathComponent(card.path).path))
        await #expect(try DrillSession.finishedCards(in: store).map(\.incident) == [id])
        await #expect(try DrillSession.running(scenario.id, in: store) == nil)
    }

    @Test("a second start of the same scenario is a new drill; the one still running is found for resuming")
    func runningDrills() async throws {
        let workspace = try makeTemporaryDirectory("warroom-drill")
        defer { try? FileManager.default.removeItem(at: workspace) }
        let (scenario, runbooks) = try shipped()
        let store = try SQLiteEventStore.open(workspace: workspace)
        let first = try await DrillSession.start(scenario, runbooks: runbooks, speed: 60, store: store, actor: "maria", now: start)
        await #expect(try DrillSession.running(scenario.id, in: store)?.id == first)
        let session = DrillSession(incident: first, store: store, workspace: workspace, contacts: nil)
        // T+5m: the alert and the T+4m note have fired; the T+6m severity push is next.
        await #expect(try session.advance(now: start.addingTimeInterval(5 * 60)).nextInject == start.addingTimeInterval(6 * 60))
        await #expect(try DrillSession.resumeTime(of: first, in: store) == start.addingTimeInterval(5 * 60))
        let attached = try #require(try store.incidents().first { $0.id == first }).runbooks.attached.map(\.runbook.id)
        #expect(attached == scenario.runbooks)
        var missing = scenario
        missing.runbooks = ["no-such-runbook"]
        await #expect(throws: DrillError.self) {
            try await DrillSession.start(missing, runbooks: runbooks, speed: 60, store: store, actor: "maria", now: start)
        }
        #expect(try store.incidents().count == 1)
    }
}

/// A store that lets another writer in just before the next append, as a second console on the same drill would.
final class RacingStore: EventStore, @unchecked Sendable {
    // @unchecked: used from one test task only.
    let base: any EventStore
    var beforeNextAppend: (() async throws -> Void)?

    init(_ base: any EventStore) { self.base = base }

    func declare(_ draft: EventDraft, then follow: (IncidentState) throws -> [EventDraft]) async throws -> [Event] {
        try await base.declare(draft, then: follow)
    }

    func append(to incident: IncidentID, _ decide: (IncidentState) throws -> [EventDraft]) async throws -> [Event] {
        if let other = beforeNextAppend {
            beforeNextAppend = nil
            try await other()
        }
        return try await base.append(to: incident, decide)
    }

    func append(to incident: IncidentID, clientID: String, _ decide: (IncidentState) throws -> [EventDraft]) async throws
        -> [Event]
    {
        try await base.append(to: incident, clientID: clientID, decide)
    }

    func events(of incident: IncidentID) async throws -> [Event] { try await base.events(of: incident) }
    func events(after cursor: LogCursor, limit: Int) async throws -> LogPage { try await base.events(after: cursor, limit: limit) }
    func incidents() async throws -> [IncidentState] { try await base.incidents() }
    func lastEventID() async throws -> EventID { try await base.lastEventID() }
}

@Suite("Two consoles on one drill")
struct TwoConsolesTests {
    @Test func anInjectTheOtherConsoleFiredFirstIsNotAnError() async throws {
        let workspace = try makeTemporaryDirectory("warroom-drill")
        defer { try? FileManager.default.removeItem(at: workspace) }
        let scenario = DrillScenario(id: "race", title: "Race", runbooks: [], severity: .l3, injects: [
            .init(offsetSeconds: 0, kind: .alert, text: "first", line: 5),
            .init(offsetSeconds: 60, kind: .note, text: "second", line: 6),
        ])
        let sqlite = try SQLiteEventStore.open(workspace: workspace)
        let start = Date(timeIntervalSince1970: 1_795_442_400)
        let id = try await DrillSession.start(scenario, runbooks: [], speed: 60, store: sqlite, actor: "maria", now: start)
        let racing = RacingStore(sqlite)
        let mine = DrillSession(incident: id, store: racing, workspace: workspace, contacts: nil)
        let theirs = DrillSession(incident: id, store: sqlite, workspace: workspace, contacts: nil)
        racing.beforeNextAppend = { _ = try await theirs.advance(now: start.addingTimeInterval(120)) }
        let progress = try await mine.advance(now: start.addingTimeInterval(120))
        #expect(progress.recorded.isEmpty, "the other console recorded both")
        let injects = try sqlite.events(of: id).filter { $0.payload.kind == .inject }
        #expect(injects.map(\.payload.summary) == ["T+0m alert: first", "T+1m note: second"])
    }
}
