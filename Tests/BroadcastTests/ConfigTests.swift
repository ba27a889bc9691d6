import Broadcast
import Foundation
import IncidentCore
import Testing

@Suite("warroom.yaml")
struct ConfigTests {
    @Test func noFileMeansTheProductDefaults() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("warroom-noconfig-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let loaded = try WarroomConfig.load(workspace: dir, environment: [:])
        #expect(loaded.policy == .standard)
        #expect(loaded.channels.isEmpty)
        #expect(loaded.delivery == DeliverySettings())
    }

    @Test func anExplicitConfigPathMustExist() throws {
        let dir = FileManager.default.temporaryDirectory
        #expect(throws: ConfigError.self) {
            try WarroomConfig.load(workspace: dir, environment: ["WARROOM_CONFIG": "/nonexistent/warroom.yaml"])
        }
    }

    @Test func theExampleFileParsesAndSaysWhatTheDefaultsAre() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("warroom.example.yaml"), encoding: .utf8)
        let example = try WarroomConfig.parse(text, path: "warroom.example.yaml")
        // The example spells out the defaults, so copying it changes nothing but the channels.
        #expect(example.policy == .standard)
        #expect(example.delivery == DeliverySettings())
        #expect(example.channels.map(\.name) == ["ops-war-room", "leadership", "值班群", "钉钉运维群", "incident-log", "mail-execs", "game-day", "storage-pager"])
        #expect(example.channel(named: "storage-pager")?.receivesUpdates == false)
        #expect(!example.routes.contains { $0.receives(severity: .l1, audience: .tactical, drill: false) && $0.name == "storage-pager" })
        let leadership = try #require(example.channel(named: "leadership"))
        #expect(leadership.audiences == [.executive])
        #expect(leadership.severities == [.l1, .l2])
        #expect(leadership.timeout == .seconds(5))
        #expect(example.channel(named: "ops-war-room")?.timeout == .seconds(10))
        #expect(example.channel(named: "game-day")?.isDrillSink == true)
        #expect(example.channel(named: "钉钉运维群")?.secret?.variables == ["DINGTALK_SECRET"])
        #expect(example.allChannels.last == ChannelConfig.drillSink, "the built-in drill sink comes after the configured channels")
        guard case .command(let arguments, let env) = example.channel(named: "mail-execs")?.kind else {
            Issue.record("mail-execs is not a command channel")
            return
        }
        #expect(arguments == ["/usr/local/bin/send-status-mail", "--to", "execs@example.com"])
        #expect(env.map(\.name) == ["SMTP_PASSWORD"])
        #expect(env.first?.value.variables == ["SMTP_PASSWORD"])
    }

    @Test func cadencePerLevelBecomesThePolicy() throws {
        let c = try config("""
            cadence:
              L1: 10m
              l3: 45m
            reminder: 3m
            monitoring_period: 1h
            """)
        #expect(c.policy.cadence(for: .l1) == .seconds(600))
        #expect(c.policy.cadence(for: .l2) == .seconds(900), "levels not listed keep their default")
        #expect(c.policy.cadence(for: .l3) == .seconds(2700))
        #expect(c.policy.cadence(for: .l4) == .seconds(3600))
        #expect(c.policy.reminderLead == .seconds(180))
        #expect(c.policy.monitoringPeriod == .seconds(3600))
    }

    @Test(arguments: [("15m", 900.0), ("90s", 90), ("1h30m", 5400), ("500ms", 0.5), ("2h", 7200), ("1m30s", 90), ("30d", 2_592_000), ("1d12h", 129_600)])
    func durations(text: String, seconds: Double) {
        #expect(ConfigDuration.parse(text)?.seconds == seconds)
    }

    @Test(arguments: ["15", "", "m", "15 minutes", "30m1h", "5m5m", "-5m", "1.5h", "15x", "1h2d"])
    func badDurations(text: String) {
        #expect(ConfigDuration.parse(text) == nil)
    }

    @Test func channelNamesRefuseInvisibleCharactersButTakeEveryScript() throws {
        #expect(throws: ConfigError.self) { try WarroomConfig.parse("channels: [{name: \"ops\\u200D\", type: file, path: a.log}]\n", path: "w.yaml") }
        #expect(throws: ConfigError.self) { try WarroomConfig.parse("channels: [{name: \"\\u202Eops\", type: file, path: a.log}]\n", path: "w.yaml") }
        #expect(try WarroomConfig.parse("channels: [{name: 值班群, type: file, path: a.log}]\n", path: "w.yaml").channels.map(\.name) == ["值班群"])
    }

    @Test func theBackdateLimitAndTheLockTimeoutAreRead() throws {
        let c = try WarroomConfig.parse("backdate_limit: 7d\nstore:\n  lock_timeout: 5s\n", path: "warroom.yaml")
        #expect(c.policy.backdateLimit == .seconds(7 * 86400))
        #expect(c.store.lockTimeout == .seconds(5))
        #expect(WarroomConfig.defaults.policy.backdateLimit == .seconds(30 * 86400))
        #expect(WarroomConfig.defaults.store.lockTimeout == .seconds(30))
    }

    /// Every problem, with the line it is on: what the user types into their editor's "go to line".
    @Test(arguments: [
        ("cadence:\n  L5: 15m\n", 2, "unknown severity \"L5\""),
        ("cadence:\n  L1: 15\n", 2, "cadence L1 must be a duration such as 15m"),
        ("reminder: soon\n", 1, "reminder must be a duration"),
        ("cadences:\n  L1: 15m\n", 1, "unknown key \"cadences\""),
        ("delivery:\n  attempts: 0\n", 2, "attempts must be a whole number from 1 to 100"),
        ("delivery:\n  backoff: 10s\n  max_backoff: 5s\n", 1, "max_backoff is shorter than backoff"),
        ("channels:\n  - name: ops\n    type: pigeon\n", 3, "unknown channel type \"pigeon\""),
        ("channels:\n  - type: file\n    path: x.log\n", 2, "a channel needs a name"),
        ("channels:\n  - name: ops\n    type: command\n    command: mail -s update ops@example.com\n", 4,
         "command must be a list, [program, argument, …]: it is run directly, never through a shell"),
        ("channels:\n  - name: ops\n    type: webhook\n    format: teams\n    url: https://x.test/h\n", 4, "unknown webhook format \"teams\""),
        ("channels:\n  - name: ops\n    type: webhook\n    format: slack\n    url: ftp://x.test/h\n", 5, "url must start with http:// or https://"),
        ("channels:\n  - name: ops\n    type: webhook\n    format: slack\n    url: ${SLACK\n", 5, "url: unclosed ${"),
        ("channels:\n  - name: ops\n    type: file\n    path: a.log\n  - name: ops\n    type: file\n    path: b.log\n", 5,
         "channel \"ops\" is already defined on line 2"),
        ("channels:\n  - name: ops\n    type: file\n    path: a.log\n    severities: [L1, L9]\n", 5, "unknown severity \"L9\""),
        ("channels:\n  - name: ops\n    type: file\n    path: a.log\n    audience: board\n", 5, "unknown audience \"board\""),
        ("channels:\n  - name: ops\n    type: file\n    path: a.log\n    url: https://x.test\n", 5,
         "url belongs to webhook channels; channel \"ops\" is a file channel"),
        ("channels:\n  - name: ops war room\n    type: file\n    path: a.log\n", 2, "channel name \"ops war room\" may use"),
        ("channels:\n  - name: ops\n    type: file\n    path: a.log\n    colour: red\n", 5, "unknown channel key \"colour\""),
        ("channels:\n  - name: ops\n    type: file\n    path: a.log\n    updates: sometimes\n", 5, "updates must be true or false"),
        ("cadence: [15m]\n", 1, "cadence maps severities to durations"),
        ("cadence:\n\tL1: 15m\n", 2, "tab character: indent YAML with spaces"),
        ("reminder: 20m\ncadence:\n  L1: 10m\n", 1, "reminder is longer than the shortest cadence"),
    ])
    func problemsNameTheirLine(yaml: String, line: Int, message: String) {
        do {
            _ = try WarroomConfig.parse(yaml, path: "/ws/warroom.yaml")
            Issue.record("accepted: \(yaml)")
        } catch {
            let first = error.problems.first
            #expect(first?.line == line, "\(error)")
            #expect(first?.message.contains(message) == true, "\(error)")
            #expect(error.description.hasPrefix("/ws/warroom.yaml:\(line): "), "\(error)")
        }
    }

    @Test func everyProblemIsReportedNotOnlyTheFirst() {
        let yaml = "cadence:\n  L1: soon\nreminder: later\nchannels:\n  - name: a\n    type: pigeon\n"
        do {
            _ = try WarroomConfig.parse(yaml, path: "w.yaml")
            Issue.record("accepted")
        } catch {
            #expect(error.problems.map(\.line) == [2, 3, 6])
        }
    }

    /// A URL or header value written into the file may be a token: problems never quote it back.
    @Test func problemsNeverQuoteURLsOrHeaderValues() {
        let secret = "T000/B000/XXXXsecretXXXX"
        let yaml = """
            channels:
              - name: ops
                type: webhook
                format: slack
                url: hooks.slack.example/services/\(secret)
                headers:
                  Bad Header: Bearer \(secret)
            """
        do {
            _ = try WarroomConfig.parse(yaml, path: "w.yaml")
            Issue.record("accepted")
        } catch {
            #expect(error.problems.count == 2)
            #expect(!error.description.contains(secret), "\(error)")
        }
    }

    @Test func channelTimeoutsDefaultToTheDeliveryTimeoutWhereverItIsWritten() throws {
        let c = try config("""
            channels:
              - name: log
                type: file
                path: updates.log
            delivery:
              timeout: 3s
            """)
        #expect(c.channel(named: "log")?.timeout == .seconds(3))
    }

    @Test func routesFollowSeveritiesAudiencesAndDrills() throws {
        let c = try config("""
            channels:
              - {name: ops, type: file, path: ops.log, severities: [L1, L2, L3]}
              - {name: execs, type: file, path: execs.log, audience: executive, severities: [L1, L2]}
              - {name: both, type: file, path: both.log, audience: [tactical, executive], severities: L1}
              - {name: drills, type: file, path: drill.log, drill: true, audience: [tactical, executive]}
            """)
        #expect(ChannelRoute.receivers(c.routes, severity: .l1, audience: .tactical, drill: false) == ["ops", "both"])
        #expect(ChannelRoute.receivers(c.routes, severity: .l1, audience: .executive, drill: false) == ["execs", "both"])
        #expect(ChannelRoute.receivers(c.routes, severity: .l3, audience: .executive, drill: false) == [])
        #expect(ChannelRoute.receivers(c.routes, severity: .l4, audience: .tactical, drill: false) == [])
        // A drill never reaches a real channel, whatever its level: only drill sinks, the built-in one last.
        #expect(ChannelRoute.receivers(c.routes, severity: .l1, audience: .tactical, drill: true) == ["drills", "drill-sink"])
        #expect(ChannelRoute.receivers(c.routes, severity: .l4, audience: .executive, drill: true) == ["drills", "drill-sink"])
    }

    @Test func backoffDoublesUpToItsCap() {
        let s = DeliverySettings(backoff: .seconds(5), maxBackoff: .seconds(60))
        #expect((1...6).map { s.retryDelay(afterAttempt: $0) } == [5, 10, 20, 40, 60, 60])
    }
}
