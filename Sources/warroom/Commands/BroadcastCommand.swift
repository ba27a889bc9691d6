import ArgumentParser
import Broadcast
import Foundation
import IncidentCore
import StoreKit

extension GlobalOptions {
    /// The workspace's `warroom.yaml` (or `$WARROOM_CONFIG`); the defaults when there is none.
    func config() throws -> WarroomConfig {
        do {
            return try WarroomConfig.load(workspace: workspaceURL)
        } catch {
            throw CLIError(error.description)
        }
    }

    /// The cadences and periods the rules use, from `warroom.yaml`.
    func policy() throws -> Policy { try config().policy }
}

/// `warroom broadcast`: draft a status update from the incident's state, or send one.
struct BroadcastCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broadcast",
        abstract: "Draft a status update from the incident's state (--draft), or send one (--send).",
        discussion: """
            --send records the update and one outbox delivery per channel in warroom.yaml that receives it, in one \
            transaction, then delivers in the foreground for at most --wait seconds. Deliveries that fail or are not \
            finished stay in the outbox: an open console delivers them, or `warroom outbox run`. Every attempt lands \
            on the timeline under the channel's name; addresses and tokens never do.
            Tactical updates (the default) read `[L2][mitigating] Title — impact — what we are doing now — next update \
            by HH:MM`; executive updates give status, impact and the next update, and never a promised fix time.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "The incident (INC-3 or 3); may be left out when exactly one incident is active.")
    var incident: String?

    @Flag(help: "Print the draft made from the incident's state.")
    var draft = false

    @Flag(help: "Send a status update: the draft, or --message.")
    var send = false

    @Option(help: "The update to send instead of the draft.")
    var message: String?

    @Option(help: "tactical (responders) or executive (management, customers).")
    var audience: Audience = .tactical

    @Option(help: "Seconds to wait for deliveries before leaving them to a worker (default: delivery.wait in warroom.yaml, 15).")
    var wait: Double?

    func validate() throws {
        if draft == send { throw ValidationError("choose one: --draft prints the draft, --send sends an update") }
        if draft, message != nil { throw ValidationError("--message goes with --send") }
        if let wait, !(wait >= 0 && wait.isFinite) { throw ValidationError("--wait must be 0 or more seconds") }
    }

    func run() async throws {
        let store = try await global.openStore(create: false)
        let config = try global.config()
        let now = try global.now()
        let target = try await IncidentSelection.resolve(incident, among: store.incidents())
        let drafted = StatusUpdateDraft.text(for: target, audience: audience, now: now, policy: config.policy, timeZone: global.timeZone)
        if draft {
            CLIOutput.print(drafted)
            return
        }
        let recorded = try await StatusBroadcaster.send(
            message ?? drafted, audience: audience, to: target.id, store: store, config: config, actor: global.actorName, now: now)
        let update = recorded.update
        let channels = recorded.deliveries.map(\.channel)
        guard !channels.isEmpty else {
            let reason = StatusBroadcaster.noReceiverReason(config: config, state: target, audience: audience) ?? "no channel receives it"
            CLIOutput.print("#\(update.id) \(update.incident) status update recorded; \(reason)")
            return
        }
        CLIOutput.print("#\(update.id) \(update.incident) status update recorded; queued for \(channels.joined(separator: ", "))")
        let seconds = wait ?? config.delivery.wait.seconds
        guard seconds > 0 else {
            CLIOutput.print("not delivered yet (--wait 0): an open console delivers it, or `warroom outbox run`")
            return
        }
        let reports = await OutboxRunner.deliver(store: store, config: config, global: global, until: Date().addingTimeInterval(seconds))
        OutboxRunner.printReports(reports, config: config)
        let pending = try await store.deliveries(incident: update.incident, statuses: [.pending]).filter { $0.update == update.id }
        if !pending.isEmpty {
            let names = pending.map(\.channel).joined(separator: ", ")
            CLIOutput.print("still pending: \(names) — an open console keeps retrying, or run `warroom outbox run`")
        }
    }
}

extension Audience: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

/// Runs an outbox worker from a command, in the foreground.
enum OutboxRunner {
    /// Delivers whatever is due until nothing more is or `deadline` passes; a failing channel is tried once.
    static func deliver(store: any WarroomStore, config: WarroomConfig, global: GlobalOptions, until deadline: Date) async
        -> [AttemptReport]
    {
        let sender = ChannelSender(workspace: global.workspaceURL)
        let worker = OutboxWorker(store: store, config: config, sender: sender, eventTime: eventClock(global),
                                  onError: { CLIOutput.printError("warroom: \($0)") })
        let reports = await worker.deliverPending(until: deadline)
        await sender.shutdown()
        return reports
    }

    /// The timeline's clock for delivery entries: `WARROOM_NOW` when pinned, else the wall clock.
    static func eventClock(_ global: GlobalOptions) -> @Sendable () -> Date {
        let pinned = try? global.now()
        let isPinned = ProcessInfo.processInfo.environment["WARROOM_NOW"] != nil
        return { isPinned ? pinned ?? Date() : Date() }
    }

    static func printReports(_ reports: [AttemptReport], config: WarroomConfig, subject: String = "update") {
        let width = reports.map(\.delivery.channel.count).max() ?? 0
        for report in reports {
            let name = report.delivery.channel.padding(toLength: width, withPad: " ", startingAt: 0)
            let what: String
            switch report.result {
            case .delivered(let detail): what = "sent" + (detail.map { " (\(InertText.make($0)))" } ?? "")
            case .retry(let problem, let at):
                what = "\(InertText.make(problem)); retry in \(DurationText.short(max(0, at.timeIntervalSinceNow).rounded(.up)))"
                    + " (attempt \(report.delivery.attempts + 1) of \(config.delivery.attempts))"
            case .abandon(let problem): what = "gave up: \(InertText.make(problem))"
            }
            let update = "\(subject) #\(report.delivery.update)"
            CLIOutput.print("  \(name)  \(update)  \(what)\(report.entry == nil ? " (another worker took it over)" : "")")
        }
    }

}

/// Status rows about broadcasts, once one has been sent: the last update, and where its deliveries stand.
enum BroadcastReport {
    static func rows(_ s: IncidentState, text: TimeText, now: Date) -> [(String, String)] {
        guard let last = s.broadcast.lastUpdate else { return [] }
        let when = text.differentDays(last.sentAt, now) ? text.dayAndMinute(last.sentAt) : text.minute(last.sentAt)
        var rows = [("last update", "#\(last.id) at \(when) (\(s.broadcast.updates.count) sent)")]
        if !last.channels.isEmpty {
            let states = last.channels.map { channel, state -> String in
                switch state {
                case .queued: "\(channel) queued"
                case .delivered: "\(channel) sent"
                case .retrying(let problem, let attempt, _): "\(channel) retrying (\(InertText.make(problem)), attempt \(attempt))"
                case .abandoned(let problem): "\(channel) GAVE UP (\(InertText.make(problem)))"
                }
            }
            rows.append(("deliveries", states.joined(separator: ", ")))
        }
        return rows
    }
}
