import Foundation
import IncidentCore
import PostgresNIO

/// Following the log in commit order.
///
/// Event ids come from a sequence when a transaction inserts, not when it commits, so a follower that read
/// "ids after the last one seen" would skip an event whose transaction committed after a later id became visible.
/// The follower counts transactions instead. Every event row carries its transaction's id (`xid`, an `xid8`,
/// which never wraps), and every snapshot its `xmin`: the oldest transaction still running anywhere on the
/// server. No transaction older than `xmin` can commit anything any more, so events with `xid < xmin` are final.
///
/// The cursor's `horizon` is such an `xmin`: every event with a smaller `xid` has been returned. A read returns
/// the final events at or above the horizon, in (xid, id) order, and moves the horizon up to the snapshot's xmin.
/// Events above xmin are committed, but an older transaction still running might yet commit events that belong
/// before them. Such a transaction is nearly always another append a few milliseconds from its commit, so the read
/// waits for it, re-reading; but only for a bounded time (`holdLimit`, measured from `heldSince`), since it may be
/// anything on the server, even a session someone left open. Once held that long, the newer events are returned
/// anyway and their ids kept in the cursor's `beyond`, so that when the old transaction commits its events are
/// returned then, and the ones already returned are not returned again (Marten's "stale high water mark").
/// While that horizon stays stuck, later events are returned at once.
///
/// So a read that says `hasMore: false` has returned everything committed before it began.
///
/// One incident's events still always arrive in id order: its appends are serialised and take their ids in
/// lock order, so a later event of the incident has a larger xid and a larger id, and is never visible before
/// an earlier one.
extension PostgresStore {
    /// How long committed events may wait behind an older transaction still running.
    static let holdLimit: TimeInterval = 0.5

    public func events(after cursor: LogCursor, limit: Int) async throws -> LogPage {
        guard limit > 0 else { return LogPage(events: [], cursor: cursor, hasMore: false) }
        // A chain of old transactions, each ending while the next one holds the horizon, restarts the hold each
        // time; past this the reader is sent back for more rather than kept waiting.
        let giveUp = ContinuousClock.now + .milliseconds(Int(2000 * Self.holdLimit))
        var events: [Event] = []
        var cursor = cursor
        while true {
            let (read, next) = try await read(after: cursor, limit: limit - events.count)
            events += read.events
            cursor = next
            guard read.withholding else { return LogPage(events: events, cursor: cursor, hasMore: read.hasMore) }
            if events.count == limit || ContinuousClock.now >= giveUp {
                return LogPage(events: events, cursor: cursor, hasMore: true)
            }
            // Off the connection, so this store's own appends go ahead meanwhile.
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// One snapshot's worth of the log after `cursor`.
    private func read(after cursor: LogCursor, limit: Int) async throws -> (LogRead, LogCursor) {
        try await work.with { connection in
            // One statement, so the rows and the xmin come from one snapshot.
            let rows = try await connection.query("""
                SELECT s.xmin, e.*
                FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin) s
                LEFT JOIN LATERAL (
                    SELECT xid::text::bigint AS xid, \(unescaped: Self.eventColumns) FROM events
                    WHERE workspace = \(workspace) AND xid >= \(cursor.horizon)::text::xid8
                        AND NOT (id = ANY(\(Array(cursor.beyond))::bigint[]))
                    ORDER BY events.xid, id
                    LIMIT \(limit + 1)
                ) e ON true
                ORDER BY e.xid, e.id
                """, logger: quietLogger)
            var xmin: Int64 = 0
            var fetched: [LogRead.Row] = []
            for try await row in rows {
                let cells = row.makeRandomAccess()
                xmin = try cells[0].decode(Int64.self)
                if let xid = try cells[1].decode(Int64?.self) { fetched.append(.init(xid: xid, event: try Self.event(row, first: 2))) }
            }
            let read = LogRead(cursor: cursor, rows: fetched, xmin: xmin, limit: limit, now: clock(), holdLimit: Self.holdLimit)

            var beyond = cursor.beyond
            if read.horizon > cursor.horizon && !beyond.isEmpty {
                // Events below the new horizon will not be read again: their ids need no keeping.
                beyond = Set(try await connection.query("""
                    SELECT id FROM events
                    WHERE workspace = \(workspace) AND id = ANY(\(Array(beyond))::bigint[]) AND xid >= \(read.horizon)::text::xid8
                    """, logger: quietLogger).collect().map { try $0.decode(Int64.self) })
            }
            return (read, LogCursor(horizon: read.horizon, beyond: beyond.union(read.returnedBeyond), heldSince: read.heldSince))
        }
    }
}

/// What one read of the log returns, decided from the rows it fetched (see PostgresStore+Log.swift).
struct LogRead: Equatable {
    struct Row: Equatable {
        var xid: Int64
        var event: Event
    }

    var events: [Event]
    var horizon: Int64
    /// Returned events at or above the new horizon, for the cursor's `beyond`.
    var returnedBeyond: Set<EventID>
    var heldSince: Date?
    var hasMore: Bool
    /// Committed events were held back, behind an older transaction still running.
    var withholding: Bool

    /// `rows`: events with `xid >= cursor.horizon` not in `cursor.beyond`, in (xid, id) order, at most `limit + 1`;
    /// `xmin`: the snapshot's.
    init(cursor: LogCursor, rows: [Row], xmin snapshotXmin: Int64, limit: Int, now: Date, holdLimit: TimeInterval) {
        let xmin = max(snapshotXmin, cursor.horizon)
        let finalCount = rows.firstIndex { $0.xid >= xmin } ?? rows.count
        withholding = false
        if finalCount > limit {
            // The page ends among final events: the horizon stops at the last transaction returned, which may
            // continue on the next page.
            let page = rows.prefix(limit)
            let last = page[page.endIndex - 1].xid
            events = page.map(\.event)
            horizon = last
            returnedBeyond = Set(page.filter { $0.xid == last }.map(\.event.id))
            heldSince = last == cursor.horizon ? cursor.heldSince : nil
            hasMore = true
            return
        }
        let finals = rows.prefix(finalCount)
        let held = rows.dropFirst(finalCount)
        horizon = xmin
        guard !held.isEmpty else {
            events = finals.map(\.event)
            returnedBeyond = []
            heldSince = nil
            hasMore = false
            return
        }
        // The hold runs while the horizon is stuck; once it moves, whatever is still behind it starts a new one.
        let since = (xmin == cursor.horizon ? cursor.heldSince : nil) ?? now
        heldSince = since
        let end = since.addingTimeInterval(holdLimit)
        guard now >= end else {
            events = finals.map(\.event)
            returnedBeyond = []
            hasMore = false
            withholding = true
            return
        }
        let released = held.prefix(limit - finalCount)
        events = (finals + released).map(\.event)
        returnedBeyond = Set(released.map(\.event.id))
        hasMore = held.count > released.count
    }
}
