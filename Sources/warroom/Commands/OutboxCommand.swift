import ArgumentParser
import Broadcast
import Dispatch
import Foundation
import IncidentCore
import StoreKit

/// `warroom outbox`: the status-update deliveries waiting, given up, or done; a worker to deliver them; requeueing.
struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "List, deliver and requeue status-update deliveries.",
        discussion: """
            Every status update is written to the outbox with one delivery per channel. An open console delivers \
            them in the background; without one, `warroom outbox run` does. A delivery that failed every attempt \
            (or was refused outright) is given up; `warroom outbox retry` puts it back.
            """,
        subcommands: [OutboxList.self, OutboxRun.self, OutboxRetry.self],
        defaultSubcommand: OutboxList.self
    )
}

/// `warroom outbox list`.
struct OutboxList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Show pending and given-up deliveries (--all: delivered ones too).")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only this incident's deliveries (INC-3 or 3).")
    var incident: String?

    @Flag(help: "Include delivered ones.")
    var all = false

    func run() async throws {
        let store = try await global.openStore(create: false)
        let incidents = try await store.incidents()
        let id = try incident.map { try IncidentSelection.resolve($0, among: incidents).id }
        let statuses: Set<DeliveryStatus>? = all ? nil : [.pending, .abandoned]
        let deliveries = try await store.deliveries(incident: id, statuses: statuses)
        guard !deliveries.isEmpty else {
            CLIOutput.print(all ? "the outbox is empty" : "nothing pending or given up")
            return
        }
        let text = TimeText(timeZone: global.timeZone)
        let width = deliveries.map(\.channel.count).max() ?? 0
        let pages = try await Self.pageIDs(store)
        for d in deliveries {
            let what = pages.contains(d.update) ? "page" : "update"
            var line = "#\(d.id)  \(d.incident) \(what) #\(d.update)  \(d.channel.padding(toLength: width, withPad: " ", startingAt: 0))  "
            switch d.status {
            case .pending:
                line += d.attempts == 0 ? "pending" : "pending, \(d.attempts) attempt\(d.attempts == 1 ? "" : "s"), next at \(text.time(d.nextAttemptAt))"
            case .delivered:
                line += "delivered" + (d.finishedAt.map { " at \(text.time($0))" } ?? "")
            case .abandoned:
                line += "GAVE UP after \(d.attempts) attempt\(d.attempts == 1 ? "" : "s")"
            }
            if d.status != .delivered, let problem = d.lastProblem { line += ": \(InertText.make(problem))" }
            CLIOutput.print(line)
        }
    }

    /// Entries that are pages by webhook: their deliveries read `page #N`, not `update #N`.
    static func pageIDs(_ store: some EventStore) async throws -> Set<EventID> {
        await Set(try store.incidents().flatMap { $0.paging.pages.map(\.id) })
    }
}

/// `warroom outbox run`.
struct OutboxRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Deliver pending status updates in the foreground.",
        discussion: """
            Without flags, runs until interrupted (Ctrl-C), retrying with backoff like the console does. \
            --once makes one pass over what is due now; --until-empty keeps going until nothing is pending \
            (or --max-wait seconds pass).
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Attempt what is due now, once, and exit.")
    var once = false

    @Flag(help: "Keep delivering until nothing is pending.")
    var untilEmpty = false

    @Option(help: "With --until-empty: give up after this many seconds (default 600).")
    var maxWait: Double = 600

    func validate() throws {
        if once && untilEmpty { throw ValidationError("choose one of --once and --until-empty") }
        if !(maxWait >= 0 && maxWait.isFinite) { throw ValidationError("--max-wait must be 0 or more seconds") }
    }

    func run() async throws {
        let store = try await global.openStore(create: false)
        let config = try global.config()
        let sender = ChannelSender(workspace: global.workspaceURL)
        let worker = OutboxWorker(store: store, config: config, sender: sender, eventTime: OutboxRunner.eventClock(global),
                                  onError: { CLIOutput.printError("warroom: \($0)") })
        if once {
            let reports = await worker.deliverDue()
            await sender.shutdown()
            if reports.isEmpty { CLIOutput.print("nothing due") }
            OutboxRunner.printReports(reports, config: config)
            return
        }
        if untilEmpty {
            let deadline = Date().addingTimeInterval(maxWait)
            var reports: [AttemptReport] = []
            while Date() < deadline {
                let pass = await worker.deliverDue(deadline: deadline)
                reports += pass
                guard let next = try? await store.nextDueTime() else { break }
                if pass.isEmpty {
                    let pause = min(max(0.05, next.timeIntervalSinceNow), deadline.timeIntervalSinceNow, 1)
                    if pause > 0 { try? await Task.sleep(nanoseconds: UInt64(pause * 1e9)) }
                }
            }
            await sender.shutdown()
            OutboxRunner.printReports(reports, config: config)
            let left = try await store.deliveries(incident: nil, statuses: [.pending])
            if !left.isEmpty {
                throw CLIError("\(left.count) deliver\(left.count == 1 ? "y is" : "ies are") still pending after \(Int(maxWait))s")
            }
            return
        }
        // Until interrupted: SIGINT and SIGTERM stop the worker, which releases the leases it holds.
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let task = Task.detached { await worker.run() }
        let sources = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { task.cancel() }
            source.resume()
            return source
        }
        CLIOutput.print("delivering; Ctrl-C stops")
        await task.value
        await sender.shutdown()
        sources.forEach { $0.cancel() }
    }
}

/// `warroom outbox retry`.
struct OutboxRetry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry", abstract: "Put given-up deliveries back in the outbox (all, or the ids listed).")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only this incident's deliveries (INC-3 or 3).")
    var incident: String?

    @Argument(help: "Delivery ids from `warroom outbox list`; none means every given-up delivery.")
    var ids: [Int64] = []

    func run() async throws {
        let store = try await global.openStore(create: false)
        let incidents = try await store.incidents()
        let id = try incident.map { try IncidentSelection.resolve($0, among: incidents).id }
        let requeued = try await store.requeue(ids: ids.isEmpty ? nil : ids, incident: id, actor: global.actorName, now: Date(),
                                         at: try global.now())
        guard !requeued.isEmpty else { throw CLIError("no given-up delivery matches; `warroom outbox list` shows them") }
        let pages = try await OutboxList.pageIDs(store)
        for d in requeued { CLIOutput.print("#\(d.id) \(d.incident) \(pages.contains(d.update) ? "page" : "update") #\(d.update) requeued for \(d.channel)") }
        CLIOutput.print("an open console delivers them, or `warroom outbox run`")
    }
}
