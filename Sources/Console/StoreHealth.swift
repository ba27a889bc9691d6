import IncidentCore

/// What the runner says about the team store's reachability.
public enum StoreMessage: Sendable, Equatable {
    /// The store answers; `refused` entries typed offline stay in the spool for a person to look at.
    case reachable(waiting: Int, refused: Int)
    /// The store does not answer; notes, decisions and action items wait on this machine.
    case unreachable(why: String, waiting: Int)
}

/// Whether the store can be reached, as the header shows it.
public enum StoreHealth: Sendable, Equatable {
    case reachable
    case unreachable(waiting: Int)

    /// `store unreachable — 3 entries waiting`, or `nil` while all is well.
    public var headerText: String? {
        guard case .unreachable(let waiting) = self else { return nil }
        return "store unreachable — \(waiting) \(waiting == 1 ? "entry" : "entries") waiting"
    }
}

extension ConsoleModel {
    mutating func updateStore(_ message: StoreMessage) {
        switch message {
        case .reachable(_, let refused):
            if case .unreachable = storeHealth {
                notice = ConsoleNotice(
                    text: refused > 0
                        ? "the store is back; \(refused) \(refused == 1 ? "entry" : "entries") typed offline "
                            + "\(refused == 1 ? "was" : "were") refused (warroom store status)"
                        : "the store is back; entries typed offline were sent", isError: refused > 0)
            }
            storeHealth = .reachable
        case .unreachable(let why, let waiting):
            if storeHealth == .reachable {
                notice = ConsoleNotice(
                    text: "the store is unreachable (\(why)): notes, decisions and action items are kept on this machine",
                    isError: true)
            }
            storeHealth = .unreachable(waiting: waiting)
        }
    }
}
