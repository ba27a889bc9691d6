import IncidentCore

/// The paging fields of an exported page or acknowledgement (`page` in `warroom export` and `timeline --json`).
struct PagingJSON: Encodable {
    var contact: String
    var name: String
    var role: String?
    var tier: String?
    var via: String?
    var address: String?
    var ackTimeoutSeconds: Int?
    var attempt: Int?
    var escalatesFrom: EventID?
    var contract: String?
    /// For an acknowledgement: the page it answers and how long after it went out.
    var acknowledges: EventID?
    var afterSeconds: Int?

    enum CodingKeys: String, CodingKey {
        case contact, name, role, tier, via, address, ackTimeoutSeconds = "ack_timeout_seconds", attempt,
            escalatesFrom = "escalates_from", contract, acknowledges, afterSeconds = "after_seconds"
    }

    init(_ event: PagingEvent) {
        switch event {
        case .paged(let o):
            contact = o.contact
            name = o.name
            role = o.role
            tier = o.tier?.rawValue
            via = o.via.rawValue
            address = o.address
            ackTimeoutSeconds = o.ackTimeout
            attempt = o.attempt
            escalatesFrom = o.escalatesFrom
            contract = o.contract
        case .acknowledged(let a):
            contact = a.contact
            name = a.name
            role = a.role
            acknowledges = a.page
            afterSeconds = a.after
        }
    }
}
