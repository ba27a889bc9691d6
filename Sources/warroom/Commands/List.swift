import ArgumentParser
import Foundation
import IncidentCore

/// `warroom list`: every incident in the workspace.
struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the workspace's incidents, newest first.")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Only incidents under way: not resolved or closed, and not drills that have ended.")
    var active = false

    func run() async throws {
        let store = try await global.openStore(create: false)
        let now = try global.now()
        let text = TimeText(timeZone: global.timeZone)
        let incidents = try await store.incidents().filter { !active || $0.isUnderWay }.reversed()
        if incidents.isEmpty {
            CLIOutput.print(active ? "No active incidents." : "No incidents.")
            return
        }
        let idWidth = incidents.map { $0.id.count + ($0.isDrill ? 1 : 0) }.max()! + 2
        for s in incidents {
            let id = (s.id + (s.isDrill ? "*" : "")).padding(toLength: idWidth, withPad: " ", startingAt: 0)
            // An ended drill's incident was never resolved; its state would suggest work still going on.
            let stateText = s.drill?.isOver == true && s.lifecycle.isActive ? "drill ended" : s.lifecycle.rawValue
            let state = stateText.padding(toLength: 14, withPad: " ", startingAt: 0)
            let elapsed = DurationText.short(s.elapsed(now: now)).padding(toLength: 8, withPad: " ", startingAt: 0)
            CLIOutput.print("\(id)\(s.severity.rawValue)  \(state)\(text.dayAndMinute(s.declaredAt))  \(elapsed)  \(InertText.make(s.title))")
        }
        if incidents.contains(where: \.isDrill) { CLIOutput.print("* drill") }
    }
}
