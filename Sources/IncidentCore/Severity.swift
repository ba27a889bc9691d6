/// Incident severity, L1 the most severe.
public enum Severity: String, CaseIterable, Sendable, Codable, Hashable {
    case l1 = "L1"
    case l2 = "L2"
    case l3 = "L3"
    case l4 = "L4"

    /// Parses `L1`…`L4`, case-insensitively; `nil` for anything else.
    public init?(parsing text: String) {
        self.init(rawValue: text.uppercased())
    }

    /// 1 for L1 … 4 for L4: a lower rank is more severe.
    public var rank: Int {
        switch self {
        case .l1: 1
        case .l2: 2
        case .l3: 3
        case .l4: 4
        }
    }

    /// Whether moving from `other` to `self` makes the incident more severe.
    public func isWorse(than other: Severity) -> Bool { rank < other.rank }

    /// The one-line meaning from the severity table, shown in help and lint messages.
    public var meaning: String {
        switch self {
        case .l1: "core business down for many users, or data at risk"
        case .l2: "core function degraded or partial outage"
        case .l3: "minor function impaired, workaround exists"
        case .l4: "no user impact"
        }
    }

    /// The accepted spellings, for error messages.
    public static let spellings = allCases.map(\.rawValue).joined(separator: ", ")
}
