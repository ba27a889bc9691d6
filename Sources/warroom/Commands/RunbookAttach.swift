import ArgumentParser
import Foundation
import IncidentCore
import RunbookKit

extension RunbookCommand {
    /// `warroom runbook attach ID`: attaches a runbook by hand.
    struct Attach: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Attach a runbook to the incident by hand.",
            discussion: """
                The incident keeps the runbook as it is now: later edits of the file do not change its checklist. \
                Runbooks matching the incident's severity and tags are attached automatically on declaring and on \
                each severity change.
                """
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var entry: EntryOptions
        @OptionGroup var source: RunbookOptions

        @Argument(help: "The runbook's id (its front matter `id`).")
        var id: String

        func run() async throws {
            let workspace = global.workspaceURL
            guard let directory = source.resolvedDirectory(workspace: workspace) else {
                throw CLIError("no runbooks found: pass --runbooks DIR, set $WARROOM_RUNBOOKS, or create \(workspace.path)/Runbooks")
            }
            let catalog = source.catalog(workspace: workspace)
            let wanted = id.trimmingCharacters(in: .whitespaces).lowercased()
            guard let runbook = catalog.runbooks.first(where: { $0.id == wanted }) else {
                let known = catalog.runbooks.map(\.id)
                throw CLIError("no runbook \(InertText.make(id)) in \(directory)"
                               + (known.isEmpty ? " (it has no runbooks)" : "; available: \(known.joined(separator: ", "))"))
            }
            let problems = catalog.problems.filter { $0.path == runbook.sourcePath }
            guard problems.isEmpty, catalog.usable.contains(runbook) else {
                let list = problems.map { "  " + InertText.make($0.description) }.joined(separator: "\n")
                throw CLIError("runbook \(runbook.id) has problems; fix them before attaching it:\n\(list)")
            }
            let event = try await global.record(.runbook(.attach(runbook)), entry: entry)
            CLIOutput.print("#\(event.id) \(event.incident) \(InertText.make(event.payload.summary))")
        }
    }

    /// `warroom runbook checklist`: where every step of the incident's runbooks stands.
    struct Checklist: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the checklist of the runbooks attached to the incident.",
            discussion: """
                [x] done, [-] skipped, [>] in progress (the first open step; its phase's clock is running), [ ] to do. \
                Times are elapsed against the step's timebox, measured from when its phase became active.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Option(help: "The incident (INC-3 or 3); may be left out when exactly one incident is active.")
        var incident: String?

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let store = try await global.openStore(create: false)
            let now = try global.now()
            let target = try await global.selectedIncidents(incident, store: store, allActive: false)[0]
            let checklists = target.checklists(now: now)
            if json {
                CLIOutput.print(try JSONText.pretty(checklists.map(ChecklistJSON.init)))
                return
            }
            CLIOutput.print(Self.render(target, checklists, text: TimeText(timeZone: global.timeZone)))
        }

        static func render(_ state: IncidentState, _ checklists: [RunbookChecklist], text: TimeText) -> String {
            guard !checklists.isEmpty else {
                return "\(state.id) has no runbook attached (warroom runbook attach ID)"
            }
            var lines: [String] = []
            for list in checklists {
                let a = list.attached
                let steps = list.steps
                lines.append("\(state.id)  \(a.runbook.id): \(InertText.make(a.runbook.title))")
                lines.append("  attached \(text.minute(a.attachedAt)) by \(InertText.make(a.attachedBy)); "
                             + "\(list.doneCount) done, \(list.skippedCount) skipped of \(steps.count)")
                let numberWidth = String(steps.count).count
                let ownerWidth = min(16, (steps.compactMap { $0.step.owner.map { $0.count + 1 } }.max() ?? 0))
                for phase in list.phases {
                    lines.append("  \(InertText.make(phase.title))")
                    for step in phase.steps {
                        let mark = switch step.status {
                        case .done: "[x]"
                        case .skipped: "[-]"
                        case .inProgress: "[>]"
                        case .todo: "[ ]"
                        }
                        let number = String(repeating: " ", count: numberWidth - String(step.step.number).count) + "\(step.step.number)"
                        let owner = (step.step.owner.map { "@" + $0 } ?? "").padding(toLength: ownerWidth, withPad: " ", startingAt: 0)
                        var line = "    \(mark) \(number) \(owner) \(InertText.make(step.step.text))"
                        var facts: [String] = []
                        if let time = ChecklistText.time(step) { facts.append(time + (step.isOverTimebox ? " OVER" : "")) }
                        if let closure = step.closure {
                            var fact = "\(step.status == .done ? "done" : "skipped") \(text.minute(closure.at)) by \(InertText.make(closure.by))"
                            if let reason = closure.reason { fact += ": \(InertText.make(reason))" }
                            facts.append(fact)
                        }
                        if !facts.isEmpty { line += "  (\(facts.joined(separator: "; ")))" }
                        lines.append(line)
                    }
                }
            }
            return lines.joined(separator: "\n")
        }
    }
}

/// Step times as the CLI writes them.
enum ChecklistText {
    /// `12m of 10m`, `3m` (no timebox), `timebox 5m` (phase not active yet), or nil when there is nothing to say
    /// (a skipped step took no time worth reporting).
    static func time(_ step: ChecklistStep) -> String? {
        if step.status == .skipped { return nil }
        let box = step.step.timeboxSeconds.map { DurationText.compact(Double($0)) }
        guard let elapsed = step.elapsed else { return box.map { "timebox \($0)" } }
        let took = DurationText.compact(elapsed)
        return box.map { "\(took) of \($0)" } ?? took
    }
}

/// `warroom runbook checklist --json`: one object per attached runbook.
struct ChecklistJSON: Encodable {
    var runbook: String
    var title: String
    var attachedAt: String
    var attachedBy: String
    var steps: [Step]

    struct Step: Encodable {
        var number: Int
        var id: String
        var phase: String
        var text: String
        var owner: String?
        var status: String
        var timeboxSeconds: Int?
        var elapsedSeconds: Int?
        var overTimebox: Bool
        var closedAt: String?
        var closedBy: String?
        var reason: String?

        enum CodingKeys: String, CodingKey {
            case number, id, phase, text, owner, status, timeboxSeconds = "timebox_seconds", elapsedSeconds = "elapsed_seconds",
                overTimebox = "over_timebox", closedAt = "closed_at", closedBy = "closed_by", reason
        }
    }

    enum CodingKeys: String, CodingKey {
        case runbook, title, attachedAt = "attached_at", attachedBy = "attached_by", steps
    }

    init(_ list: RunbookChecklist) {
        runbook = list.attached.runbook.id
        title = list.attached.runbook.title
        attachedAt = list.attached.attachedAt.formatted(EventJSON.iso)
        attachedBy = list.attached.attachedBy
        steps = list.phases.flatMap { phase in
            phase.steps.map { s in
                Step(number: s.step.number, id: s.step.id, phase: phase.title, text: s.step.text, owner: s.step.owner,
                     status: s.status.rawValue, timeboxSeconds: s.step.timeboxSeconds, elapsedSeconds: s.elapsed.map { Int($0) },
                     overTimebox: s.isOverTimebox, closedAt: s.closure?.at.formatted(EventJSON.iso), closedBy: s.closure?.by,
                     reason: s.closure?.reason)
            }
        }
    }
}
