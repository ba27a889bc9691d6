import Foundation

/// Incident roles. Roles are open-ended strings (teams add subject experts); these are the standard ones.
public enum Role {
    public static let commander = "ic"
    public static let deputy = "deputy"
    public static let scribe = "scribe"
    public static let communications = "comms"

    /// The standard roles in the order the status pane lists them.
    public static let standard = [commander, deputy, scribe, communications]

    /// Accepts common spellings (`IC`, `commander`, `incident-commander`, `communications`) and returns the canonical key.
    /// Words may be joined by `-`, `_` or spaces, so a display name typed back (`communications lead`) finds its role.
    public static func canonical(_ text: String) -> String {
        let key = text.lowercased().trimmingCharacters(in: .whitespaces)
        let words = key.split(whereSeparator: { $0 == "-" || $0 == "_" || $0 == " " }).joined(separator: "-")
        switch words {
        case "ic", "commander", "incident-commander": return commander
        case "deputy", "deputy-ic": return deputy
        case "scribe": return scribe
        case "comms", "communications", "comms-lead", "communications-lead": return communications
        default: return key
        }
    }

    /// How a role is written for people.
    public static func displayName(_ role: String) -> String {
        switch role {
        case commander: "incident commander"
        case deputy: "deputy"
        case scribe: "scribe"
        case communications: "communications lead"
        default: role
        }
    }
}
