import Foundation
import IncidentCore
import Testing

@Suite("Choosing the incident")
struct SelectionTests {
    /// INC-1 resolved, INC-2 closed, INC-3 active, DRILL-4 resolved.
    func workspace() throws -> [IncidentState] {
        [
            try incident(in: .resolved, "INC-1"),
            try incident(in: .closed, "INC-2"),
            try incident(in: .mitigating, "INC-3"),
            try incident(in: .resolved, "DRILL-4"),
        ]
    }

    @Test(arguments: ["INC-3", "inc-3", "Inc-3", "3", " 3 ", " INC-3"])
    func byName(requested: String) throws {
        #expect(try IncidentSelection.resolve(requested, among: workspace()).id == "INC-3")
    }

    /// Naming an incident picks it even when it is not active.
    @Test(arguments: [("1", "INC-1"), ("INC-2", "INC-2"), ("drill-4", "DRILL-4")])
    func namedInactiveIncidents(requested: String, id: IncidentID) throws {
        #expect(try IncidentSelection.resolve(requested, among: workspace()).id == id)
    }

    @Test(arguments: ["INC-9", "9", "4", "DRILL-3", "", "INC-", "INC-3x"])
    func unknownListsKnownIDs(requested: String) throws {
        let error = #expect(throws: IncidentSelection.Failure.self) {
            try IncidentSelection.resolve(requested, among: workspace())
        }
        #expect(error == .unknown(requested, known: ["INC-1", "INC-2", "INC-3", "DRILL-4"]))
        #expect(error?.description
            == "no incident \(requested) in this workspace (known: INC-1, INC-2, INC-3, DRILL-4)")
    }

    @Test func unknownInAnEmptyWorkspace() {
        let error = #expect(throws: IncidentSelection.Failure.self) { try IncidentSelection.resolve("INC-1", among: []) }
        #expect(error == .unknown("INC-1", known: []))
        #expect(error?.description == "no incident INC-1 in this workspace")
    }

    @Test func theOnlyActiveIncidentAmongResolvedOnes() throws {
        #expect(try IncidentSelection.resolve(nil, among: workspace()).id == "INC-3")
    }

    @Test func noneActive() throws {
        let inactive = [try incident(in: .resolved, "INC-1"), try incident(in: .closed, "INC-2")]
        for incidents in [inactive, []] {
            let error = #expect(throws: IncidentSelection.Failure.self) {
                try IncidentSelection.resolve(nil, among: incidents)
            }
            #expect(error == .noneActive)
            #expect(error?.description
                == "no active incident; declare one with `warroom declare`, or name one with --incident")
        }
    }

    @Test func severalActive() throws {
        let incidents = try workspace() + [declared("INC-5"), try incident(in: .monitoring, "DRILL-6")]
        let error = #expect(throws: IncidentSelection.Failure.self) {
            try IncidentSelection.resolve(nil, among: incidents)
        }
        #expect(error == .several(["INC-3", "INC-5", "DRILL-6"]))
        #expect(error?.description
            == "several incidents are active (INC-3, INC-5, DRILL-6); choose one with --incident")
        // Naming one still works when several are active.
        #expect(try IncidentSelection.resolve("5", among: incidents).id == "INC-5")
    }

    @Test func storeErrorMessages() {
        #expect(StoreError.unknownIncident("INC-4").description == "no incident INC-4 in this workspace")
        #expect(StoreError.notADeclaration.description == "a new incident must start with a declaration")
        #expect(StoreError.damaged("bad row 3").description == "the store is damaged: bad row 3")
    }
}
