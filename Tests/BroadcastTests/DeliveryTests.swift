import Broadcast
import Foundation
import IncidentCore
import IncidentStore
import Testing
import WarroomTestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A message with everything JSON must escape, and text it must not.
let trickyMessage = "He said \"roll back\"\\now\n— 回滚 \u{7} ok/done \u{9B}\u{202E}\u{200B}."
let trickyJSON = #""He said \"roll back\"\\now\n— 回滚 \u0007 ok/done \u009B\u202E\u200B.""#

/// Real deliveries to a real HTTP receiver on 127.0.0.1, real files and real child processes.
/// The outbox's scheduling clock is manual: retries become due when the test advances it.
@Suite("Delivery", .serialized)
struct DeliveryTests {
    func hook(_ receiver: LoopbackReceiver, format: String = "generic", name: String = "hook", timeout: String = "2s",
              attempts: Int = 4, extra: String = "") -> String {
        """
        delivery:
          attempts: \(attempts)
          backoff: 5s
          max_backoff: 1m
        channels:
          - name: \(name)
            type: webhook
            format: \(format)
            url: \(receiver.url)
            timeout: \(timeout)
        \(extra)
        """
    }

    // MARK: Payload shapes

    @Test(arguments: [
        ("slack", #"{"text":\#(trickyJSON)}"#),
        ("wecom", #"{"msgtype":"text","text":{"content":\#(trickyJSON)}}"#),
        ("dingtalk", #"{"msgtype":"text","text":{"content":\#(trickyJSON)}}"#),
        ("feishu", #"{"msg_type":"text","content":{"text":\#(trickyJSON)}}"#),
    ])
    func chatPayloadsAreExactlyTheServicesShape(format: String, expected: String) async throws {
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        let ws = try TestWorkspace()
        try ws.declare()
        let clock = ManualClock()
        let c = try config(hook(receiver, format: format))
        let recorded = try await ws.send(trickyMessage, config: c, clock: clock)
        let reports = try await withSender(ws) { await worker(ws, c, clock: clock, sender: $0).deliverDue() }

        #expect(reports.map(\.result) == [.delivered(detail: nil)])
        let request = try #require(receiver.requests.first)
        #expect(request.body == Array(expected.utf8), "got \(request.bodyText)")
        #expect(request.method == "POST" && request.path == "/hook")
        #expect(request.header("Content-Type") == "application/json; charset=utf-8")
        #expect(request.header("Idempotency-Key") == recorded.deliveries[0].idempotencyKey)
        #expect(try ws.deliveryEvents().last == .delivered(update: recorded.update.id, channel: "hook", attempt: 1, detail: nil))
    }

    @Test func genericPayloadCarriesTheFactsAndTheKey() async throws {
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        let ws = try TestWorkspace()
        try ws.declare()
        let clock = ManualClock()
        let c = try config(hook(receiver))
        let recorded = try await ws.send(trickyMessage, config: c, clock: clock)
        _ = try await withSender(ws) { await worker(ws, c, clock: clock, sender: $0).deliverDue() }

        let key = recorded.deliveries[0].idempotencyKey
        #expect(key.hasPrefix("warroom-"))
        let expected = #"{"idempotency_key":"\#(key)","incident":"INC-1","title":"Checkout errors in eu-west","severity":"L2","#
            + #""state":"declared","audience":"tactical","drill":false,"message":\#(trickyJSON),"#
            + #""sent_at":"2026-11-23T14:05:00Z","next_update_by":"2026-11-23T14:20:00Z"}"#
        let request = try #require(receiver.requests.first)
        #expect(request.bodyText == expected)
        #expect(request.header("Idempotency-Key") == key)
        #expect(try JSONSerialization.jsonObject(with: Data(request.body)) is [String: Any], "valid JSON")
    }

    /// WeCom, DingTalk and Feishu say no with HTTP 200 and an error code.
    @Test(arguments: [("wecom", #"{"errcode":93000,"errmsg":"invalid webhook url"}"#, "wecom error 93000"),
                      ("dingtalk", #"{"errcode":310000,"errmsg":"keywords not in content"}"#, "dingtalk error 310000"),
                      ("feishu", #"{"code":19021,"msg":"sign match fail"}"#, "feishu error 19021")])
    func serviceErrorCodesAreFailures(format: String, body: String, problem: String) async throws {
        let receiver = try LoopbackReceiver { _, _ in .status(200, body: body) }
        defer { receiver.stop() }
        let ws = try TestWorkspace()
        try ws.declare()
        let clock = ManualClock()
        let c = try config(hook(receiver, format: format))
        try await ws.send("update", config: c, clock: clock)
        let reports = try await withSender(ws) { await worker(ws, c, clock: clock, sender: $0).deliverDue() }
        #expect(reports.map(\.result) == [.retry(problem: problem, at: clock.now.addingTimeInterval(5))])
    }

    // MARK: Retries

    @Test func serverErrorsAreRetriedWithBackoffAndTheSameKey() async throws {
        let receiver = try LoopbackReceiver { _, n in n < 2 ? .status(500) : .status(200) }
        defer { receiver.stop() }
        let ws = try TestWorkspace()
        try ws.declare()
        let clock = ManualClock()
        let c = try config(hook(receiver))
        let recorded = try await ws.send("update", config: c, clock: clock)
        try await withSender(ws) { sender in
            let w = worker(ws, c, clock: clock, sender: sender)
            let first = await w.deliverDue()
            #expect(first.map(\.result) == [.retry(problem: "webhook 500", at: clock.now.addingTimeInterval(5))])
            #expect(await w.deliverDue().isEmpty, "not due again before the backoff")
            clock.advance(by: 5)
            let second = await w.deliverDue()
            #expect(second.map(\.result) == [.retry(problem: "webhook 500", at: clock.now.addingTimeInterval(10))])
            clock.advance(by: 10)
            #expect(await w.deliverDue().map(\.result) == [.delivered(detail: nil)])
        }
        let update = recorded.update.id
        #expect(try ws.deliveryEvents() == [
            .queued(update: update, channels: ["hook"]),
            .failed(update: update, channel: "hook", attempt: 1, problem: "webhook 500", retryIn: 5),
            .failed(update: update, channel: "hook", attempt: 2, problem: "webhook 500", retryIn: 10),
            .delivered(update: update, channel: "hook", attempt: 3, detail: nil),
        ])
        #expect(try ws.timelineText().contains("hook: webhook 500, retry in 5s (update #2, attempt 1)"))
        #expect(try ws.timelineText().contains("update #2 sent to hook (attempt 3)"))
        let requests = receiver.requests
        #expect(requests.count == 3)
        #expect(Set(requests.compactMap { $0.header("Idempotency-Key") }).count == 1, "a retry carries the same key")
        #expect(Set(requests.map(\.body)).count == 1, "and the same bytes")
        #expect(try ws.store.deliveries(incident: nil, statuses: [.delivered]).first?.attempts == 3)
    }

    @Test func retryAfterIsHonoured() async throws {
        let receiver = try LoopbackReceiver { _, _ in .status(429, headers: [("Retry-After", "30")]) }
        defer { receiver.stop() }
        let ws = try TestWorkspace()
        try ws.declare()
        let clock = ManualClock()
        let c = try config(hook(receiver))
        try await ws.send("update", config: c, clock: clock)
        let reports = try await withSender(ws) { await worker(ws, c, clock: clock, sender: $0).deliverDue() }
        #expect(reports.map(\.result) == [.retry(problem: "webhook 429", at: clock.now.addingTimeInterval(30))])
    }

    @Test func aTimeoutIsAFailedAttemptThatIsRetried() async throws {
        let receiver = try LoopbackReceiver { _, n in n == 0 ? .hold : .status(200) }
        defer { receiver.stop() }
        let ws = try TestWorkspace()
        try ws.declare()
        let clock = ManualClock()
        let c = try config(hook(receiver, timeout: "300ms"))
        try await ws.send("update", config: c, clock: clock)
        try await withSender(ws) { sender in
            let w = worker(ws, c, clock: clock, sender: sender)
            let started = Date()
            let first = await w.deliverDue()
            #expect(Date().timeIntervalSince(started) < 3, "the attempt gave up at its timeout")
            #expect(first.map(\.result) == [.retry(problem: "webhook timed out after 300ms", at: clock.now.addingTimeInterval(5))])
            clock.advance(by: 5)
            #expect(await w.deliverDue().map(\.result) == [.delivered(detail: nil)])
        }
        #expect(receiver.requests.count == 2)
    }

    @Test func aRefusalIsNotRetriedAndTooManyFailuresGiveUp() async throws {
        let refusing = try LoopbackReceiver { _, _ in .status(404) }
        let down = try LoopbackReceiver { _, _ in .status(503) }
        defer { refusing.stop(); down.stop() }
        let ws = try TestWorkspace()
        try ws.declare()
        let clock = ManualClock()
        let c = try config("""
            delivery: {attempts: 2, backoff: 5s}
            channels:
              - {name: gone, type: webhook, format: slack, url: "\(refusing.url)"}
              - {name: down, type: webhook, format: slack, url: "\(down.url)"}
            """)
        let recorded = try await ws.send("update", config: c, clock: clock)
        try await withSender(ws) { sender in
            let w = worker(ws, c, clock: clock, sender: sender)
            _ = await w.deliverDue()
            clock.advance(by: 5)
            _ = await w.deliverDue()
            clock.advance(by: 60)
            #expect(await w.deliverDue().isEmpty, "nothing is left to try")
        }
        let update = recorded.update.id
        let events = try ws.deliveryEvents()
        #expect(events.contains(.abandoned(update: update, channel: "gone", attempt: 1, problem: "webhook 404")))
        #expect(events.contains(.abandoned(update: update, channel: "down", attempt: 2, problem: "webhook 503")))
        #expect(try ws.timelineText().contains("gave up on down: webhook 503 (update #2, 2 attempts)"))
        #expect(refusing.requests.count == 1 && down.requests.count == 2)
        #expect(try ws.store.deliveries(incident: nil, statuses: [.abandoned]).count == 2)
    }

    // MARK: Channels are independent; a channel is in order

    @Test func aChannelThatHangsHoldsUpNoOtherChannel() async throws {
        let hung = try LoopbackReceiver { _, _ in .hold }
        let fine = try LoopbackReceiver()
        defer { hung.stop(); fine.stop() }
        let ws = try TestWorkspace()
        try ws.declare()
        let c = try config("""
            channels:
              - {name: hung, type: webhook, format: slack, url: "\(hung.url)", timeout: 30s}
              - {name: fine, type: webhook, format: slack, url: "\(fine.url)"}
            """)
        try await withSender(ws) { sender in
            let w = OutboxWorker(store: ws.store, config: c, sender: sender, eventTime: { minute(6) })
            let running = Task.detached { await w.run(interval: 0.05) }
            do {
                try await ws.send("one", config: c, clock: ManualClock(Date()))
                try await hung.requests(atLeast: 1, timeout: 10)
                try await fine.requests(atLeast: 1, timeout: 10)
                // While "hung" is still waiting for its answer, a second update reaches "fine" too.
                try await ws.send("two", config: c, clock: ManualClock(Date()), at: minute(7))
                w.wake()
                let requests = try await fine.requests(atLeast: 2, timeout: 10)
                #expect(requests.map(\.bodyText) == [#"{"text":"one"}"#, #"{"text":"two"}"#])
                #expect(hung.requests.count == 1, "hung's second update waits behind its first")
                // The receiver has the request before the worker has its answer: let the worker record it.
                let deadline = Date().addingTimeInterval(10)
                while try ws.store.deliveries(incident: nil, statuses: [.pending]).contains(where: { $0.channel == "fine" }),
                      Date() < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
            } catch {
                running.cancel()
                await running.value
                throw error
            }
            running.cancel()
            await running.value
        }
        // Stopping released the lease without counting the attempt: the next worker retries it.
        let pending = try ws.store.deliveries(incident: nil, statuses: [.pending])
        #expect(pending.map(\.channel) == ["hung", "hung"])
        #expect(pending.first?.attempts == 0)
    }

    @Test func updatesReachAChannelInTheOrderTheyWereSent() async throws {
        let receiver = try LoopbackReceiver { _, n in n == 0 ? .status(503) : .status(200) }
        defer { receiver.stop() }
        let ws = try TestWorkspace()
        try ws.declare()
        let clock = ManualClock()
        let c = try config("""
            channels:
              - {name: hook, type: webhook, format: slack, url: "\(receiver.url)"}
              - {name: log, type: file, path: updates.log}
            """)
        try await ws.send("one", config: c, clock: clock, at: minute(5))
        try await withSender(ws) { sender in
            let w = worker(ws, c, clock: clock, sender: sender)
            _ = await w.deliverDue()  // hook: 503; log: one
            try await ws.send("two", config: c, clock: clock, at: minute(6))
            try await ws.send("three", config: c, clock: clock, at: minute(7))
            _ = await w.deliverPending(until: clock.now.addingTimeInterval(1))
            #expect(receiver.requests.count == 1, "two and three wait behind one, which waits for its retry")
            let log = try String(contentsOf: ws.url.appendingPathComponent("updates.log"), encoding: .utf8)
            #expect(log.components(separatedBy: "\n").filter { ["one", "two", "three"].contains($0) } == ["one", "two", "three"],
                    "the other channel is not held up")
            clock.advance(by: 5)
            _ = await w.deliverPending(until: clock.now.addingTimeInterval(1))
        }
        #expect(receiver.requests.map(\.bodyText) == [#"{"text":"one"}"#, #"{"text":"one"}"#, #"{"text":"two"}"#, #"{"text":"three"}"#])
    }

    // MARK: Restarts

    /// A worker died after the receiver got the update but before recording it: the next worker retries with the
    /// same key, so a receiver that honours Idempotency-Key keeps one; the timeline records one delivery.
    @Test func aRestartMidDeliveryDoesNotDuplicate() async throws {
        let seen = KeySet()
        let receiver = try LoopbackReceiver { request, _ in
            // A receiver that honours the key: a repeat is acknowledged but not acted on.
            let fresh = seen.insert(request.header("Idempotency-Key") ?? "")
            return .status(200, body: fresh ? "ok" : "duplicate ignored")
        }
        defer { receiver.stop() }
        let ws = try TestWorkspace()
        try ws.declare()
        let clock = ManualClock()
        let c = try config(hook(receiver) + "\n  - {name: log, type: file, path: updates.log}")
        let recorded = try await ws.send("update", config: c, clock: clock)

        // The first worker, on another machine, claims both deliveries and gets them out, then dies before recording.
        let dead = "otherhost/4242/dead"
        let claimed = try ws.store.claimDue(now: clock.now, owner: dead, leaseUntil: clock.now.addingTimeInterval(40),
                                            channels: Set(c.allChannels.map(\.name)), busy: [], ownerIsGone: { _ in false })
        #expect(claimed.count == 2)
        try await withSender(ws) { sender in
            for delivery in claimed {
                let outcome = await sender.send(delivery, via: try #require(c.channel(named: delivery.channel)), timeout: 2)
                #expect(outcome == .delivered(detail: nil))
            }
            let w = worker(ws, c, clock: clock, sender: sender)
            #expect(await w.deliverDue().isEmpty, "the dead worker's lease still holds")
            clock.advance(by: 41)
            let reports = await w.deliverDue()
            #expect(reports.map(\.delivery.channel) == ["hook", "log"])
            #expect(reports.map(\.result) == [.delivered(detail: nil), .delivered(detail: "already in the file")])
        }
        let requests = receiver.requests
        #expect(requests.count == 2)
        #expect(Set(requests.compactMap { $0.header("Idempotency-Key") }) == [recorded.deliveries[0].idempotencyKey])
        #expect(seen.count == 1, "the receiver acted once")
        let log = try String(contentsOf: ws.url.appendingPathComponent("updates.log"), encoding: .utf8)
        #expect(log.components(separatedBy: recorded.deliveries[1].idempotencyKey).count == 2, "one entry in the file:\n\(log)")
        let sent = try ws.deliveryEvents().filter { if case .delivered = $0 { true } else { false } }
        #expect(sent.count == 2, "one delivered entry per channel")
    }

    /// A lease held by a process on this host that has died is taken over at once, without waiting for it to run out.
    @Test func aDeadLocalWorkersLeaseIsTakenOverAtOnce() async throws {
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        let ws = try TestWorkspace()
        try ws.declare()
        let clock = ManualClock()
        let c = try config(hook(receiver))
        try await ws.send("update", config: c, clock: clock)
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let dead = "\(ProcessInfo.processInfo.hostName)/\(child.processIdentifier)/gone"
        _ = try ws.store.claimDue(now: clock.now, owner: dead, leaseUntil: clock.now.addingTimeInterval(3600),
                                  channels: Set(c.allChannels.map(\.name)), busy: [], ownerIsGone: { _ in false })
        let reports = try await withSender(ws) { await worker(ws, c, clock: clock, sender: $0).deliverDue() }
        #expect(reports.map(\.result) == [.delivered(detail: nil)])
    }

    // MARK: Secrets

    @Test func secretsNeverReachTheTimelineTheOutboxOrErrors() async throws {
        let receiver = try LoopbackReceiver { _, n in n == 0 ? .status(503) : .drop }
        let ws = try TestWorkspace()
        try ws.declare()
        let clock = ManualClock()
        let secrets = ["HOOK_TOKEN": "path-secret-0123456789", "API_TOKEN": "header-secret-9876543210"]
        let c = try config("""
            channels:
              - name: ops
                type: webhook
                format: generic
                url: http://127.0.0.1:\(receiver.port)/hook/${HOOK_TOKEN}?sig=${API_TOKEN}
                headers:
                  Authorization: Bearer ${API_TOKEN}
              - name: nowhere
                type: webhook
                format: slack
                url: http://${HOOK_TOKEN}.invalid/${API_TOKEN}
                timeout: 2s
              - name: unset
                type: webhook
                format: slack
                url: https://hooks.example/${NOT_SET_ANYWHERE}
            """)
        try await ws.send("update", config: c, clock: clock)
        try await withSender(ws, environment: secrets) { sender in
            let w = worker(ws, c, clock: clock, sender: sender)
            _ = await w.deliverDue()  // ops: 503
            receiver.stop()
            clock.advance(by: 5)
            _ = await w.deliverDue()  // ops: refused
        }
        // The secrets did reach the receiver, where they belong.
        let first = try #require(receiver.requests.first)
        #expect(first.path == "/hook/path-secret-0123456789?sig=header-secret-9876543210")
        #expect(first.header("Authorization") == "Bearer header-secret-9876543210")

        var everything = try ws.timelineText()
        everything += try ws.store.deliveries(incident: nil, statuses: nil).map { "\($0.lastProblem ?? "") \($0.content)" }.joined()
        everything += try ws.store.events(of: "INC-1").map { "\($0.payload.columns)" }.joined()
        for value in secrets.values {
            #expect(!everything.contains(value), "\(value) leaked:\n\(everything)")
        }
        #expect(!everything.contains("\(receiver.port)/hook"), "the address leaked:\n\(everything)")
        #expect(everything.contains("ops: webhook 503, retry in 5s"))
        // A channel whose secret is not set here is not attempted here: it waits for a machine that has it.
        let unset = try #require(try ws.store.deliveries(incident: nil, statuses: nil).first { $0.channel == "unset" })
        #expect(unset.status == .pending && unset.attempts == 0)
        #expect(everything.contains("nowhere: webhook"), "the unresolvable host failed under the channel's name")
    }

    @Test func theRedactorHidesURLsTheirPartsAndValues() {
        var r = Redactor(["header-secret-value"])
        r.add(url: "https://hooks.example.com/services/T0/B0/abcdef123456?token=zzz999yyy")
        let text = "POST https://hooks.example.com/services/T0/B0/abcdef123456?token=zzz999yyy failed; "
            + "path /services/T0/B0/abcdef123456; query token=zzz999yyy; header header-secret-value"
        let out = r.redact(text)
        #expect(!out.contains("abcdef123456") && !out.contains("zzz999yyy") && !out.contains("header-secret-value"), "\(out)")
        #expect(out.contains("[redacted]"))
    }

    // MARK: Files and commands

    @Test func aFileChannelAppendsEachUpdateOnceWithItsKey() async throws {
        let ws = try TestWorkspace()
        try ws.declare()
        let clock = ManualClock()
        let c = try config("channels: [{name: log, type: file, path: updates.log}]")
        let one = try await ws.send("first", config: c, clock: clock, at: minute(5))
        let two = try await ws.send("second\nline", config: c, clock: clock, at: minute(6))
        _ = try await withSender(ws) { await worker(ws, c, clock: clock, sender: $0).deliverPending(until: clock.now.addingTimeInterval(1)) }
        let path = ws.url.appendingPathComponent("updates.log").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == """
            == INC-1 · L2 · declared · tactical · 2026-11-23T14:05:00Z · \(one.deliveries[0].idempotencyKey)
            first

            == INC-1 · L2 · declared · tactical · 2026-11-23T14:06:00Z · \(two.deliveries[0].idempotencyKey)
            second
            line


            """)
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600, "the log is private")
    }

    @Test func aCommandGetsTheUpdateOnStdinNeverThroughAShell() async throws {
        let ws = try TestWorkspace()
        try ws.declare()
        let clock = ManualClock()
        let script = ws.url.appendingPathComponent("notify.sh")
        try """
            #!/bin/sh
            cat > "$OUT"
            printf '%s\\n' "$1" "$WARROOM_INCIDENT" "$WARROOM_SEVERITY" "$WARROOM_AUDIENCE" "$WARROOM_IDEMPOTENCY_KEY" "$WARROOM_CHANNEL" > "$OUT.env"
            """.write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: script.path)
        let out = ws.url.appendingPathComponent("received.txt").path
        let c = try config("""
            channels:
              - name: mail
                type: command
                command: [./notify.sh, "--subject=$(touch pwned)"]
                env: {OUT: "\(out)"}
            """)
        let message = "rolling back; $(touch pwned) `touch pwned` && rm -rf /nonexistent"
        let recorded = try await ws.send(message, config: c, clock: clock)
        let reports = try await withSender(ws) { await worker(ws, c, clock: clock, sender: $0).deliverDue() }
        #expect(reports.map(\.result) == [.delivered(detail: nil)])
        #expect(try String(contentsOfFile: out, encoding: .utf8) == message + "\n")
        let env = try String(contentsOfFile: out + ".env", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(env == ["--subject=$(touch pwned)", "INC-1", "L2", "tactical", recorded.deliveries[0].idempotencyKey, "mail"])
        #expect(!FileManager.default.fileExists(atPath: ws.url.appendingPathComponent("pwned").path), "nothing was interpreted")
    }

    /// A command channel's program gets PATH, HOME, LANG/LC_*, TZ, the delivery's WARROOM_* facts and its own
    /// env: entries, and nothing else of Warroom's environment: not another channel's secret, not the store URL.
    @Test func aCommandSeesOnlyWhatItNeeds() async throws {
        let ws = try TestWorkspace()
        try ws.declare()
        let clock = ManualClock()
        let script = ws.url.appendingPathComponent("env.sh")
        try "#!/bin/sh\nenv > \"$OUT\"\n".write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: script.path)
        let out = ws.url.appendingPathComponent("env.txt").path
        let c = try config("""
            channels:
              - name: mail
                type: command
                command: [./env.sh]
                env: {OUT: "\(out)", SMTP_PASSWORD: "${SMTP_PASSWORD}"}
            """)
        _ = try await ws.send("update", config: c, clock: clock)
        let environment = [
            "PATH": "/usr/bin:/bin", "HOME": "/home/ic", "LANG": "C.UTF-8", "LC_TIME": "C", "TZ": "UTC",
            "SMTP_PASSWORD": "mail-secret", "SLACK_TOKEN": "other-channels-secret",
            "WARROOM_STORE": "postgres://ic:store-secret@db/warroom", "AWS_SECRET_ACCESS_KEY": "cloud-secret",
        ]
        let reports = try await withSender(ws, environment: environment) { await worker(ws, c, clock: clock, sender: $0).deliverDue() }
        #expect(reports.map(\.result) == [.delivered(detail: nil)])
        let names = Set(try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
            .compactMap { $0.split(separator: "=", maxSplits: 1).first.map(String.init) })
        let allowed: Set<String> = ["PATH", "HOME", "LANG", "LC_TIME", "TZ", "OUT", "SMTP_PASSWORD", "PWD", "SHLVL", "_"]
        #expect(names.subtracting(allowed).allSatisfy { $0.hasPrefix("WARROOM_") && $0 != "WARROOM_STORE" }, "\(names)")
        #expect(names.isSuperset(of: ["PATH", "HOME", "LANG", "LC_TIME", "TZ", "OUT", "SMTP_PASSWORD", "WARROOM_INCIDENT"]))
        let text = try String(contentsOfFile: out, encoding: .utf8)
        for leaked in ["other-channels-secret", "store-secret", "cloud-secret"] { #expect(!text.contains(leaked)) }
    }

    @Test(arguments: [("exit 3", "command exited 3"), ("sleep 20", "command timed out after 300ms"), ("kill -9 $$", "command killed by signal 9")])
    func commandFailuresAreNamed(body: String, problem: String) async throws {
        let ws = try TestWorkspace()
        try ws.declare()
        let clock = ManualClock()
        let script = ws.url.appendingPathComponent("fail.sh")
        try "#!/bin/sh\n\(body)\n".write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: script.path)
        let c = try config("channels: [{name: cmd, type: command, command: [./fail.sh], timeout: 300ms}]")
        try await ws.send("update", config: c, clock: clock)
        let started = Date()
        let reports = try await withSender(ws) { await worker(ws, c, clock: clock, sender: $0).deliverDue() }
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(reports.map(\.result) == [.retry(problem: problem, at: clock.now.addingTimeInterval(5))])
    }

    @Test func aMissingProgramIsGivenUpAtOnce() async throws {
        let ws = try TestWorkspace()
        try ws.declare()
        let clock = ManualClock()
        let c = try config("channels: [{name: cmd, type: command, command: [no-such-program-here]}]")
        try await ws.send("update", config: c, clock: clock)
        let reports = try await withSender(ws) { await worker(ws, c, clock: clock, sender: $0).deliverDue() }
        #expect(reports.map(\.result) == [.abandon(problem: "command not found: no-such-program-here")])
    }

    /// A channel this machine's warroom.yaml no longer configures is left for a worker whose configuration has it
    /// (a laptop sharing the team store), never given up; the store reports it as unserved.
    @Test func aChannelNotConfiguredHereIsLeftForAWorkerThatHasIt() async throws {
        let ws = try TestWorkspace()
        try ws.declare()
        let clock = ManualClock()
        let before = try config("channels: [{name: old, type: file, path: a.log}]")
        try await ws.send("update", config: before, clock: clock)
        let now = try config("channels: [{name: new, type: file, path: b.log}]")
        let reports = try await withSender(ws) { await worker(ws, now, clock: clock, sender: $0).deliverDue() }
        #expect(reports.isEmpty)
        let row = try #require(try ws.store.deliveries(incident: nil, statuses: nil).first)
        #expect(row.status == .pending && row.attempts == 0)
        #expect(try ws.store.unservedChannels(seenSince: clock.now.addingTimeInterval(-60)) == ["old": 1])
        // A worker configured with it delivers it.
        let later = try await withSender(ws) { await worker(ws, before, clock: clock, sender: $0).deliverDue() }
        #expect(later.map(\.result) == [.delivered(detail: nil)])
    }

    @Test func aMessageTooLongForTheServiceIsRefusedBeforeAnythingIsWritten() async throws {
        let ws = try TestWorkspace()
        try ws.declare()
        let c = try config("channels: [{name: bot, type: webhook, format: wecom, url: 'https://qyapi.example/send?key=${K}'}]")
        await #expect(throws: BroadcastError.tooLong(channel: "bot", format: .wecom, bytes: 3000, limit: 2048)) {
            try await ws.send(String(repeating: "x", count: 3000), config: c, clock: ManualClock())
        }
        #expect(try ws.store.deliveries(incident: nil, statuses: nil).isEmpty)
    }
}

/// The keys a receiver has acted on.
final class KeySet: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var keys: Set<String> = []

    func insert(_ key: String) -> Bool { lock.withLock { keys.insert(key).inserted } }
    var count: Int { lock.withLock { keys.count } }
}
