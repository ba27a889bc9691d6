import ArgumentParser
import IncidentCore

extension Severity: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

extension LifecycleState: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

/// `warroom declare`: opens a new incident and prints its id.
struct Declare: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Declare a new incident and print its id (INC-1, INC-2, …).",
        discussion: "L1 core business down or data at risk; L2 core function degraded; L3 minor, workaround exists; L4 no user impact."
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: [.short, .long], help: "Severity, L1 (worst) to L4.")
    var severity: Severity

    @Argument(help: "A short title: what is broken, for whom.")
    var title: String

    @Option(help: "Who is affected and how.")
    var impact: String?

    @Option(help: "When it was declared, if not now: HH:MM, YYYY-MM-DD HH:MM or ISO 8601.")
    var at: String?

    @Option(name: .customLong("tag"), help: "A tag such as storage (repeatable); runbooks sharing a tag are attached.")
    var tags: [String] = []

    @OptionGroup var runbooks: RunbookOptions

    func run() async throws {
        let now = try global.now()
        let occurredAt = try global.time(at, now: now)
        let declaration = try Declaration(title: title, severity: severity, impact: impact, tags: tags)
            .validated(at: occurredAt, now: now, policy: try global.policy())
        let catalog = runbooks.usableForAttaching(workspace: global.workspaceURL)
        let store = try await global.openStore(create: true)
        let actor = global.actorName
        let events = try await store.declare(
            EventDraft(occurredAt: occurredAt, recordedAt: now, actor: actor, payload: .declared(declaration))
        ) { state in state.attachDrafts(from: catalog, at: occurredAt, recordedAt: now, actor: actor) }
        CLIOutput.print(events[0].incident)
        // Standard output stays the bare id for scripts; what was attached goes beside it.
        for event in events.dropFirst() {
            CLIOutput.printError("\(event.incident): \(InertText.make(event.payload.summary))")
        }
    }
}
