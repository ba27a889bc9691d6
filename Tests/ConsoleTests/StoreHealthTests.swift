import Foundation
import IncidentCore
import Testing
@testable import Console

/// The header says plainly when the team store is out of reach, and how many entries wait on this machine.
@Suite struct StoreHealthTests {
    @Test func anUnreachableStoreTakesTheHeadersLeadAndComesBackQuietly() throws {
        var model = console()
        _ = model.update(.store(.unreachable(why: "connection refused", waiting: 0)))
        var buffer = model.render()
        #expect(buffer.lines[0].contains("store unreachable — 0 entries waiting"))
        let x = try #require(buffer.column(of: "store unreachable", row: 0))
        #expect(buffer[x, 0].style == Palette.overdue, "loud without colour too: the overdue style is reverse and bold")
        #expect(model.notice?.isError == true)
        #expect(model.notice?.text.contains("kept on this machine") == true)

        _ = model.update(.store(.unreachable(why: "entry kept on this machine", waiting: 3)))
        buffer = model.render()
        #expect(buffer.lines[0].contains("store unreachable — 3 entries waiting"))
        // Every other fact still fits an 80-column header.
        #expect(buffer.lines[0].contains("L2") && buffer.lines[0].contains("investigating"))
        #expect(buffer.lines[0].count <= 80)

        _ = model.update(.store(.reachable(waiting: 0, refused: 0)))
        #expect(!model.render().lines[0].contains("unreachable"))
        #expect(model.notice?.text == "the store is back; entries typed offline were sent")
        #expect(model.notice?.isError == false)
    }

    @Test func entriesRefusedOnReturnAreSaidSo() {
        var model = console()
        _ = model.update(.store(.unreachable(why: "timeout", waiting: 1)))
        _ = model.update(.store(.reachable(waiting: 0, refused: 1)))
        #expect(model.notice?.isError == true)
        #expect(model.notice?.text.contains("1 entry typed offline was refused") == true)
    }

    @Test func oneEntryIsSingular() {
        #expect(StoreHealth.unreachable(waiting: 1).headerText == "store unreachable — 1 entry waiting")
        #expect(StoreHealth.reachable.headerText == nil)
    }
}
