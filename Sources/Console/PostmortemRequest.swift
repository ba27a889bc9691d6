import IncidentCore

extension ConsoleModel {
    /// `/postmortem`: the runner renders the incident's postmortem into `postmortems/INC-n.md` and records the
    /// generation, which then shows on the timeline. A closed incident takes no more entries, so the console
    /// leaves rewriting its postmortem to the command line.
    mutating func requestPostmortem() -> [ConsoleEffect] {
        guard let view = current else { return refuse("no incident to write a postmortem for") }
        if view.state.lifecycle == .closed {
            return refuse("\(view.id) is closed; rewrite its postmortem with: warroom postmortem --incident \(view.id)")
        }
        accept()
        return [.generatePostmortem(view.id)]
    }
}
