import Foundation
import IncidentCore
@testable import PostgresStore
import Testing

/// The follower's decisions, on rows as the query fetches them (xid >= horizon, not in beyond, by xid and id).
@Suite("Reading the log in commit order")
struct LogReadTests {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    func row(_ id: EventID, xid: Int64) -> LogRead.Row {
        LogRead.Row(xid: xid, event: Event(id: id, incident: "INC-1", occurredAt: t0, recordedAt: t0, actor: "a", payload: .note("\(id)")))
    }

    func read(_ cursor: LogCursor, _ rows: [LogRead.Row], xmin: Int64, limit: Int = 10, at seconds: TimeInterval = 0) -> LogRead {
        LogRead(cursor: cursor, rows: rows, xmin: xmin, limit: limit, now: t0.addingTimeInterval(seconds), holdLimit: 0.5)
    }

    @Test func finalEventsAreReturnedAndTheHorizonMovesToXmin() {
        let r = read(.start, [row(1, xid: 100), row(2, xid: 101)], xmin: 105)
        #expect(r.events.map(\.id) == [1, 2])
        #expect(r.horizon == 105)
        #expect(r.returnedBeyond.isEmpty && r.heldSince == nil && !r.hasMore && !r.withholding)
    }

    @Test func eventsAboveXminAreHeldForABoundedTime() {
        // Transaction 100 is still running; 101 committed event 7 before it.
        let first = read(LogCursor(horizon: 90), [row(5, xid: 95), row(7, xid: 101)], xmin: 100, at: 0)
        #expect(first.events.map(\.id) == [5])
        #expect(first.horizon == 100)
        #expect(first.heldSince == t0)
        #expect(first.withholding)
        let cursor = LogCursor(horizon: first.horizon, beyond: first.returnedBeyond, heldSince: first.heldSince)

        let stillHeld = read(cursor, [row(7, xid: 101)], xmin: 100, at: 0.3)
        #expect(stillHeld.events.isEmpty && stillHeld.heldSince == t0 && stillHeld.withholding && !stillHeld.hasMore)

        let released = read(cursor, [row(7, xid: 101)], xmin: 100, at: 0.5)
        #expect(released.events.map(\.id) == [7])
        #expect(released.horizon == 100)
        #expect(released.returnedBeyond == [7])
        #expect(!released.withholding)
        #expect(released.heldSince == t0, "while the horizon is stuck, newer events are not held again")
    }

    @Test func whenTheHorizonMovesAHoldStartsAfresh() {
        let cursor = LogCursor(horizon: 100, beyond: [7], heldSince: t0)
        // 100 committed; 103 is running and 104 committed.
        let r = read(cursor, [row(6, xid: 100), row(9, xid: 104)], xmin: 103, at: 2)
        #expect(r.events.map(\.id) == [6])
        #expect(r.horizon == 103)
        #expect(r.heldSince == t0.addingTimeInterval(2))
        #expect(r.returnedBeyond.isEmpty)
    }

    @Test func aPageCutAmongFinalEventsStopsTheHorizonAtItsLastTransaction() {
        let rows = [row(1, xid: 100), row(2, xid: 100), row(3, xid: 101), row(4, xid: 101), row(5, xid: 102)]
        let r = read(.start, rows, xmin: 200, limit: 3)
        #expect(r.events.map(\.id) == [1, 2, 3])
        #expect(r.horizon == 101)
        #expect(r.returnedBeyond == [3], "transaction 101 continues on the next page")
        #expect(r.hasMore)
        let next = read(LogCursor(horizon: 101, beyond: [3]), [row(4, xid: 101), row(5, xid: 102)], xmin: 200, limit: 3)
        #expect(next.events.map(\.id) == [4, 5])
        #expect(next.horizon == 200 && !next.hasMore)
    }

    @Test func releasedEventsCutByTheLimitComeOnTheNextPage() {
        let cursor = LogCursor(horizon: 100, heldSince: t0)
        let r = read(cursor, [row(7, xid: 101), row(8, xid: 102), row(9, xid: 103)], xmin: 100, limit: 2, at: 1)
        #expect(r.events.map(\.id) == [7, 8])
        #expect(r.returnedBeyond == [7, 8])
        #expect(r.hasMore)
    }

    @Test func anXminBehindTheHorizonDoesNotMoveItBack() {
        let r = read(LogCursor(horizon: 100), [], xmin: 90)
        #expect(r.horizon == 100)
    }
}
