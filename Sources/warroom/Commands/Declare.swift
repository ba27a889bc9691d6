import ArgumentParser
import Foundation
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
struct Declare: ParsableCommand {
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

    func run() throws {
        let now = try global.now()
        let occurredAt = try global.time(at, now: now)
        let declaration = try Declaration(title: title, severity: severity, impact: impact)
            .validated(at: occurredAt, now: now)
        let store = try global.openStore(create: true)
        let event = try store.declare(
            EventDraft(occurredAt: occurredAt, recordedAt: now, actor: global.actorName, payload: .declared(declaration)))
        print(event.incident)
    }
}
