import Broadcast
import Foundation
import IncidentCore

/// The drill sink: the one file in the workspace that a drill's status updates and pages reach instead of people.
/// Updates and webhook pages arrive through the outbox (`ChannelConfig.drillSink`); phone and chat pages, which
/// Warroom only records, are written here directly.
public struct DrillSink: Sendable {
    /// `drill-sink.log`, the built-in channel's file.
    public static var fileName: String {
        guard case .file(let path) = ChannelConfig.drillSink.kind else { preconditionFailure("the drill sink is a file channel") }
        return path
    }

    public let workspace: URL

    public init(workspace: URL) {
        self.workspace = workspace
    }

    /// `WORKSPACE/drill-sink.log`.
    public var url: URL { workspace.appendingPathComponent(Self.fileName) }

    /// Appends a page made by phone or chat, which Warroom only records: in a drill the sink shows what would have
    /// been dialled. Keyed by the page's entry, so writing it again after a restart adds nothing.
    public func record(page: PageRecord, incident: IncidentID, state: IncidentState) throws {
        let order = page.order
        let key = "page-\(incident)-\(page.id)"
        let who = order.roleAndTier.isEmpty ? order.name : "\(order.name) (\(order.roleAndTier))"
        let entry = "== \(incident) · \(state.severity.rawValue) · \(state.lifecycle.rawValue) · page · DRILL · "
            + "\(Payload.iso(page.pagedAt)) · \(key)\n"
            + "page by \(order.via.rawValue) to \(who) at \(order.address), recorded by \(page.pagedBy): not sent (drill)\n\n"
        if case .failed(let problem) = try FileChannel.append(entry, key: key, to: url.path, deadline: Date().addingTimeInterval(5)) {
            throw DrillError("could not write the page to \(url.path): \(problem.message)")
        }
    }
}

/// A drill that cannot go on, in words the user can act on.
public struct DrillError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
