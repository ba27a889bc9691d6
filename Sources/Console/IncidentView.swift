import Foundation
import IncidentCore

/// One timeline line's facts, kept so drawing a frame never re-reads or refolds the log.
struct TimelineEntry: Sendable {
    let id: EventID
    let occurredAt: Date
    let actor: String
    let kind: EventKind
    let text: String
    let isBackdated: Bool

    init(_ event: Event) {
        id = event.id
        occurredAt = event.occurredAt
        actor = event.actor
        kind = event.payload.kind
        text = event.payload.summary
        isBackdated = event.isBackdated
    }

    /// Timeline order: when it happened, then log order, so a backdated entry lands where it belongs.
    func precedes(_ other: TimelineEntry) -> Bool {
        occurredAt != other.occurredAt ? occurredAt < other.occurredAt : id < other.id
    }
}

/// An incident as the console shows it: the folded state, the timeline in display order and the
/// scroll positions. Events are applied one at a time as they arrive.
struct IncidentView: Sendable {
    private(set) var state: IncidentState
    /// Sorted by `precedes`.
    private(set) var entries: [TimelineEntry] = []
    /// The latest correction text of each corrected entry.
    private(set) var correctedText: [EventID: String] = [:]
    /// The latest decision or status update by when it happened: the status pane's summary.
    private(set) var summary: TimelineEntry?
    private(set) var widestActor = 0
    /// The selected timeline entry, an index into `entries`.
    var selected = 0
    /// The first timeline entry shown; the view corrects it with `timelineTop(height:)`.
    var top = 0
    var statusScroll = 0

    init?(declaration: Event) {
        guard let state = IncidentState(declaration: declaration) else { return nil }
        self.state = state
        insert(TimelineEntry(declaration))
    }

    var id: IncidentID { state.id }

    /// Folds a new event in; events already applied are ignored, so replays and overlapping loads are harmless.
    mutating func apply(_ event: Event) {
        guard !state.eventIDs.contains(event.id) else { return }
        state.apply(event)
        let entry = TimelineEntry(event)
        switch event.payload {
        case .correction(let target, let text):
            correctedText[target] = text
        case .decision, .statusUpdateSent:
            if summary.map({ $0.precedes(entry) }) ?? true { summary = entry }
        default:
            break
        }
        insert(entry)
    }

    /// The text an entry shows: its latest correction if it has one.
    func displayText(of entry: TimelineEntry) -> (text: String, corrected: Bool) {
        if let fixed = correctedText[entry.id] { return (fixed, true) }
        return (entry.text, false)
    }

    /// Keeps the selection on its entry when an earlier one is inserted, and on the newest when it was there.
    private mutating func insert(_ entry: TimelineEntry) {
        let following = entries.isEmpty || selected == entries.count - 1
        let index = insertionIndex(entry)
        entries.insert(entry, at: index)
        if following {
            selected = entries.count - 1
        } else if index <= selected {
            selected += 1
        }
        if index < top { top += 1 }
        widestActor = max(widestActor, TextWidth.columns(entry.actor))
    }

    private func insertionIndex(_ entry: TimelineEntry) -> Int {
        if let last = entries.last, last.precedes(entry) { return entries.count }
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].precedes(entry) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The first entry to show in `height` rows so that the selection is visible and no rows are wasted at the bottom.
    func timelineTop(height: Int) -> Int {
        guard height > 0, !entries.isEmpty else { return 0 }
        var t = min(top, max(0, entries.count - height))
        if selected < t { t = selected }
        if selected >= t + height { t = selected - height + 1 }
        return max(0, t)
    }

    mutating func moveSelection(by delta: Int, height: Int) {
        guard !entries.isEmpty else { return }
        selected = min(max(0, selected + delta), entries.count - 1)
        top = timelineTop(height: height)
    }

    /// Scrolls the view a page and the selection with it, so paging shows new entries at once.
    mutating func page(by delta: Int, height: Int) {
        guard !entries.isEmpty else { return }
        top = min(max(0, timelineTop(height: height) + delta), max(0, entries.count - height))
        moveSelection(by: delta, height: height)
    }

    /// Whether the incident's entries (and, while active, the present) fall on more than one local day.
    func spansMidnight(now: Date, clock: TimeText) -> Bool {
        guard let first = entries.first?.occurredAt, let last = entries.last?.occurredAt else { return false }
        let end = state.lifecycle.isActive ? max(last, now) : last
        return clock.differentDays(first, end)
    }
}
