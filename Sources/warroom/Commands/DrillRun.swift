import ArgumentParser
import Console
import ContactsKit
import Drills
import Foundation
import IncidentCore
import StoreKit
import Postmortem
import RunbookKit
import Terminal

extension DrillCommand {
    /// `warroom drill SCENARIO [--speed N]`: declares a drill of the scenario (or resumes the one still running)
    /// and opens the console on it.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Open the console on a drill of SCENARIO (the default: `warroom drill SCENARIO`).",
            discussion: """
                Declares a drill incident (DRILL-n) at the scenario's severity with the runbooks it practises attached, \
                then opens the console with a clock running --speed times faster. The scenario's events are injected at \
                their offsets; status updates and pages go only to the drill sink, WORKSPACE/\(DrillSink.fileName). \
                /end-drill in the console, or resolving the incident, ends the drill and writes its score card to \
                WORKSPACE/postmortems/DRILL-n-scorecard.md; it is printed when the console closes. Running the same \
                scenario again while its drill is unfinished resumes it where it stopped. Without SCENARIO, lists the \
                scenarios. Contacts come from WORKSPACE/contacts.yaml, else the shipped contacts.example.yaml.
                """
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var runbooks: RunbookOptions

        @Argument(help: "A scenario id, a scenario file, or a runbook id that exactly one scenario practises (or, with --scenario, one it practises).")
        var scenario: String?

        @Option(help: "Drill seconds per real second: 60 runs an hour in a minute (default 1; a resumed drill keeps its own).")
        var speed: Double?

        @Option(name: .customLong("scenario"), help: ArgumentHelp(
            "A scenario file to run.", discussion: "SCENARIO may then name one of the runbooks it practises, or be left out."))
        var scenarioFile: String?

        func run() async throws {
            let workspace = global.workspaceURL
            let catalog = runbooks.catalog(workspace: workspace)
            if let speed, !(speed.isFinite && speed > 0 && speed <= Self.maxSpeed) {
                throw CLIError("--speed must be a number above 0 and at most \(Int(Self.maxSpeed)) (got \(speed))")
            }
            let scenario: DrillScenario
            if let scenarioFile {
                scenario = try ScenarioChoice.file(scenarioFile, runbooks: catalog)
                if let named = self.scenario, named != scenario.id, !scenario.runbooks.contains(named) {
                    throw CLIError("\(scenarioFile) practises \(scenario.runbooks.joined(separator: ", ")), not \(named)")
                }
            } else if let requested = self.scenario {
                scenario = try ScenarioChoice.resolve(requested, workspace: workspace, runbooks: catalog)
            } else {
                try ScenarioChoice.list(workspace: workspace, runbooks: catalog)
                return
            }
            // Before anything is recorded: a drill declared where no console can open would run unseen.
            guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else { throw CLIError(TerminalError.notATerminal.description) }
            let config = try global.config()
            let store = try await global.openConsoleStore()
            if let running = try await DrillSession.running(scenario.id, in: store) {
                try await DrillConsole.resume(running, store: store, global: global, runbooks: runbooks, speed: speed)
                return
            }
            for id in scenario.runbooks where catalog.runbooks.contains(where: { $0.id == id }) && !catalog.usable.contains(where: { $0.id == id }) {
                throw CLIError("the runbook \(id), which \(scenario.id) practises, has problems (warroom runbook lint)")
            }
            let now = try global.now()
            let id = try await DrillSession.start(scenario, runbooks: catalog.usable, speed: speed ?? 1, store: store,
                                            actor: global.actorName, now: now, policy: config.policy)
            try await DrillConsole.open(id, scenario: scenario.id, store: store, global: global, runbooks: runbooks,
                                  clock: .accelerated(start: now, speed: speed ?? 1))
        }

        /// Faster than this, a one-second console tick skips hours and the drill stops being a rehearsal.
        static let maxSpeed = 10_000.0
    }

    /// `warroom drill end [DRILL]`: ends a drill (if it is still running) and prints its score card.
    struct End: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "End a drill and print its score card; for a drill that has ended, write and print the card again.",
            discussion: "The drill's clock stops while no console is open, so a drill ended here ends at the last time "
                + "anything was recorded in it."
        )

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The drill (DRILL-3 or 3); may be left out when exactly one drill is running.")
        var drill: String?

        func run() async throws {
            let store = try await global.openStore(create: false)
            let drills = try await store.incidents().filter { $0.drill != nil }
            let target: IncidentState
            if let drill {
                let wanted = drill.uppercased()
                guard let match = drills.first(where: { $0.id == wanted || $0.id == "DRILL-\(wanted)" }) else {
                    throw CLIError("no drill \(drill) in this workspace" + (drills.isEmpty ? "" : " (drills: \(drills.map(\.id).joined(separator: ", ")))"))
                }
                target = match
            } else {
                let running = drills.filter { !$0.drill!.isOver }
                guard running.count == 1 else {
                    throw CLIError(running.isEmpty ? "no drill is running; name one to print its score card again (warroom drill end DRILL-n)"
                                   : "several drills are running (\(running.map(\.id).joined(separator: ", "))); name one")
                }
                target = running[0]
            }
            let config = try global.config()
            let session = DrillSession(incident: target.id, store: store, workspace: global.workspaceURL, contacts: nil,
                                       policy: config.policy, timeZone: global.timeZone)
            let card: DrillSession.ScoreCard
            if target.drill!.isOver {
                card = try await session.scoreCard(now: target.drill!.endedAt!)
            } else {
                // A drill resolved while no console was open ends at its resolution; otherwise where its clock stopped.
                let stopped = try await DrillSession.resumeTime(of: target.id, in: store)
                let ending: DrillEnding = target.lifecycle.isActive ? .ended : .resolved
                let at = target.lifecycle.isActive ? stopped : (target.enteredAt(.resolved) ?? stopped)
                card = try await session.end(ending, at: at, now: stopped, actor: global.actorName)
            }
            CLIOutput.print(card.text, terminator: card.text.hasSuffix("\n") ? "" : "\n")
            CLIOutput.print("Score card written to \(card.path)")
        }
    }

    /// `warroom drill history [SCENARIO]`: every finished drill, by scenario, with the trend between the last two runs.
    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show finished drills by scenario: milestone times, updates on time, steps, and whether the team is getting faster."
        )

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Only this scenario id.")
        var scenario: String?

        func run() async throws {
            let store = try await global.openStore(create: false)
            let config = try global.config()
            var histories = await DrillHistory.group(try DrillSession.finishedCards(in: store, policy: config.policy))
            if let scenario {
                histories = histories.filter { $0.scenario == scenario }
                guard !histories.isEmpty else { throw CLIError("no finished drill of the scenario \(scenario) in this workspace") }
            }
            guard !histories.isEmpty else {
                CLIOutput.print("No finished drills yet: run one with `warroom drill SCENARIO` (`warroom drill` lists them).")
                return
            }
            CLIOutput.print(DrillHistoryReport.text(histories, timeZone: global.timeZone), terminator: "")
        }
    }
}

extension DrillConsole {
    /// Reopens a drill that is still running, its clock picking up where it stopped (at `speed`, else its own).
    static func resume(_ running: IncidentState, store: any WarroomStore, global: GlobalOptions, runbooks: RunbookOptions,
                       speed: Double?) async throws {
        guard let drill = running.drill else { throw CLIError("\(running.id) has no drill scenario recorded") }
        let resumeAt = try await DrillSession.resumeTime(of: running.id, in: store)
        CLIOutput.printError("Resuming \(running.id) (\(drill.scenario.id)) at "
            + DrillScenario.Inject.offsetText(seconds: Int(drill.elapsed(now: resumeAt))))
        try await open(running.id, scenario: drill.scenario.id, store: store, global: global, runbooks: runbooks,
                 clock: .accelerated(start: resumeAt, speed: speed ?? drill.speed))
    }

    /// Opens the console on drill `id` and, once it closes, prints the score card, or how to go on.
    static func open(_ id: IncidentID, scenario: String, store: any WarroomStore, global: GlobalOptions, runbooks: RunbookOptions,
                     clock: ConsoleClock) async throws {
        let workspace = global.workspaceURL
        let config = try global.config()
        let contacts = ScenarioChoice.contacts(workspace: workspace)
        let session = DrillSession(incident: id, store: store, workspace: workspace, contacts: contacts.book,
                                   policy: config.policy, timeZone: global.timeZone)
        let card = try await openConsole(store: store, global: global, incident: id, runbooks: runbooks,
                                   drill: DrillConsole(session: session, clock: clock, contacts: contacts.source))
        if let card {
            CLIOutput.print(card.text, terminator: card.text.hasSuffix("\n") ? "" : "\n")
            CLIOutput.print("Score card written to \(card.path)")
        } else if let state = try await store.incidents().first(where: { $0.id == id }), state.isUnderWay {
            CLIOutput.print("\(id) is still running: `warroom drill \(scenario)` resumes it; `warroom drill end \(id)` ends it "
                  + "and prints its score card.")
        }
    }
}

/// Finding the scenario a user named, and the contacts a drill pages.
enum ScenarioChoice {
    /// The scenarios in WORKSPACE/Runbooks/drills, else the shipped ones.
    static func catalog(workspace: URL, runbooks: RunbookCatalog) throws -> DrillCatalog {
        guard let directory = DrillCommand.Lint.defaultDirectory(workspace: workspace) else {
            throw CLIError("no Runbooks/drills/ directory in \(workspace.path), and the shipped scenarios are not found; "
                           + "pass a scenario file")
        }
        return DrillLinter.load(paths: [directory], runbooks: runbooks)
    }

    /// `SCENARIO` as a file, a scenario id, or a runbook that exactly one scenario practises. A scenario with
    /// problems is refused with every problem as `path:line: message`, and nothing is recorded.
    static func resolve(_ text: String, workspace: URL, runbooks: RunbookCatalog) throws -> DrillScenario {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: text, isDirectory: &isDirectory), !isDirectory.boolValue {
            return try file(text, runbooks: runbooks)
        }
        let scenarios = try catalog(workspace: workspace, runbooks: runbooks)
        var chosen = scenarios.scenarios.first { $0.id == text }
        if chosen == nil {
            let practising = scenarios.scenarios.filter { $0.runbooks.contains(text) }
            if practising.count > 1 {
                throw CLIError("several scenarios practise the runbook \(text): " + practising.map(\.id).joined(separator: ", ")
                               + "; name one, or pass --scenario FILE")
            }
            chosen = practising.first
        }
        guard let chosen else {
            throw CLIError("no drill scenario or runbook \(text); scenarios: "
                           + scenarios.scenarios.map(\.id).joined(separator: ", ") + " (warroom drill lists them)")
        }
        let own = scenarios.problems.filter { $0.path == chosen.sourcePath }
        if !own.isEmpty { try refuse(own, file: chosen.sourcePath ?? text) }
        return chosen
    }

    /// The one scenario in `path`, refused with its problems if it has any.
    static func file(_ path: String, runbooks: RunbookCatalog) throws -> DrillScenario {
        let scenarios = DrillLinter.load(paths: [path], runbooks: runbooks)
        guard let scenario = scenarios.scenarios.first, scenarios.problems.isEmpty else { try refuse(scenarios.problems, file: path) }
        return scenario
    }

    private static func refuse(_ problems: [FileProblem], file: String) throws -> Never {
        for problem in problems { CLIOutput.printError(InertText.make(problem.description)) }
        throw CLIError("\(file) has problems; nothing was recorded (warroom drill lint \(file))")
    }

    /// `warroom drill` with no scenario: what can be run.
    static func list(workspace: URL, runbooks: RunbookCatalog) throws {
        let scenarios = try catalog(workspace: workspace, runbooks: runbooks)
        let width = scenarios.scenarios.map(\.id.count).max() ?? 0
        CLIOutput.print("Drill scenarios (run one with `warroom drill SCENARIO --speed 60`):")
        for s in scenarios.scenarios {
            let length = DurationText.short(TimeInterval(s.scriptedLength.components.seconds))
            CLIOutput.print("  \(s.id.padding(toLength: width, withPad: " ", startingAt: 0))  \(s.severity.rawValue)  "
                  + "\(s.injects.count) events over \(length)  \(InertText.make(s.title))")
        }
        if !scenarios.problems.isEmpty {
            CLIOutput.print("\(scenarios.problems.count == 1 ? "1 problem" : "\(scenarios.problems.count) problems") in the scenario files (warroom drill lint)")
        }
    }

    /// WORKSPACE/contacts.yaml, else the example shipped with Warroom: in a drill nobody is really called, and
    /// practising escalation needs a ladder to climb.
    static func contacts(workspace: URL) -> (source: ContactsSource, book: ContactBook?) {
        if case .missing = ContactsFile.load(workspace: workspace),
           case (let book?, let problems) = ContactsFile.parse(ContactsExample.yaml, path: "contacts.example.yaml"), problems.isEmpty {
            return (.loaded(book), book)
        }
        let source = ContactsSupport.source(workspace: workspace)
        if case .loaded(let book) = source { return (source, book) }
        return (source, nil)
    }
}
