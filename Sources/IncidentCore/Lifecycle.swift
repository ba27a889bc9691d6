/// Where an incident is in its lifecycle.
public enum LifecycleState: String, CaseIterable, Sendable, Codable, Hashable {
    case declared
    case investigating
    case identified
    case mitigating
    case monitoring
    case resolved
    case closed

    /// The states this one may move to. `monitoring → mitigating` exists because a fix may not hold.
    public var legalNext: [LifecycleState] {
        switch self {
        case .declared: [.investigating]
        case .investigating: [.identified]
        case .identified: [.mitigating]
        case .mitigating: [.monitoring]
        case .monitoring: [.resolved, .mitigating]
        case .resolved: [.closed]
        case .closed: []
        }
    }

    /// Active incidents still need a commander's attention: everything before `resolved`.
    public var isActive: Bool { self != .resolved && self != .closed }

    /// Parses a state name case-insensitively.
    public init?(parsing text: String) {
        self.init(rawValue: text.lowercased())
    }

    /// The accepted spellings, for error messages.
    public static let spellings = allCases.map(\.rawValue).joined(separator: ", ")
}
