import Foundation

/// One part of the benchmark: it sets up its own data, measures, and returns the figures to print.
struct BenchSection: Sendable {
    /// Short name, used on the command line to run only some sections (`warroom-bench store`).
    var name: String
    var title: String
    var run: @Sendable () async throws -> [Figure]
}

/// A number the benchmark reports, with the target it is judged against when there is one.
struct Figure: Sendable {
    /// What a figure must be to pass.
    enum Target: Sendable {
        case atMost(Double)
        case atLeast(Double)

        func isMet(by value: Double) -> Bool {
            switch self {
            case .atMost(let limit): value <= limit
            case .atLeast(let limit): value >= limit
            }
        }

        func text(_ unit: String) -> String {
            switch self {
            case .atMost(let limit): "≤ \(Figure.format(limit)) \(unit)"
            case .atLeast(let limit): "≥ \(Figure.format(limit)) \(unit)"
            }
        }
    }

    var label: String
    var value: Double
    var unit: String
    var target: Target?
    /// Extra context printed after the value (for example the percentiles behind a mean).
    var detail: String?

    init(_ label: String, _ value: Double, _ unit: String, target: Target? = nil, detail: String? = nil) {
        self.label = label
        self.value = value
        self.unit = unit
        self.target = target
        self.detail = detail
    }

    var verdict: String? { target.map { $0.isMet(by: value) ? "PASS" : "MISS" } }

    static func format(_ value: Double) -> String {
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 100 { return String(format: "%.0f", value) }
        if magnitude >= 10 { return String(format: "%.1f", value) }
        if magnitude >= 1 { return String(format: "%.2f", value) }
        return String(format: "%.3f", value)
    }
}

/// Latency samples in milliseconds.
struct Samples {
    private(set) var values: [Double] = []

    init(capacity: Int = 0) { values.reserveCapacity(capacity) }

    mutating func record(_ milliseconds: Double) { values.append(milliseconds) }

    var mean: Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }

    /// Nearest-rank percentile (`p` in 0...100).
    func percentile(_ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    var summary: String {
        "p50 \(Figure.format(percentile(50))) ms, p99 \(Figure.format(percentile(99))) ms, n=\(values.count)"
    }
}

/// Wall-clock milliseconds spent in `body`.
/// Times async work, such as a call to a team store.
func milliseconds<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
    let start = ContinuousClock.now
    let result = try await body()
    let elapsed = ContinuousClock.now - start
    let (seconds, attoseconds) = elapsed.components
    return (result, Double(seconds) * 1000 + Double(attoseconds) / 1e15)
}

func milliseconds<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let start = ContinuousClock.now
    let result = try body()
    let elapsed = ContinuousClock.now - start
    let (seconds, attoseconds) = elapsed.components
    return (result, Double(seconds) * 1000 + Double(attoseconds) / 1e15)
}

/// A scratch directory on the same disk as the user's temporary files, removed by `cleanUp`.
func scratchDirectory(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("warroom-bench-\(name)-\(getpid())", isDirectory: true)
    try? FileManager.default.removeItem(at: url)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A field of /proc/self/status in kibibytes (Linux only; nil elsewhere).
func procStatusKiB(_ field: String) -> Double? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
        let digits = line.dropFirst(field.count + 1).filter(\.isNumber)
        return Double(String(digits))
    }
    return nil
}

/// Runs the sections named on the command line (all when none is), printing figures as each finishes.
func runBenchmark(_ sections: [BenchSection], arguments: [String]) async {
    if arguments.contains("--list") || arguments.contains("-h") || arguments.contains("--help") {
        print("usage: warroom-bench [SECTION...]\nsections:")
        let width = sections.map(\.name.count).max() ?? 0
        for section in sections { print("  \(section.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(section.title)") }
        return
    }
    let wanted = Set(arguments)
    let unknown = wanted.subtracting(sections.map(\.name))
    if !unknown.isEmpty {
        print("unknown section(s): \(unknown.sorted().joined(separator: ", ")); try --list")
        exit(2)
    }
    var passed = 0, missed = 0
    for section in sections where wanted.isEmpty || wanted.contains(section.name) {
        print("== \(section.title) [\(section.name)]")
        fflush(nil)
        do {
            for figure in try await section.run() {
                var line = "  " + figure.label.padding(toLength: 52, withPad: " ", startingAt: 0)
                line += " " + "\(Figure.format(figure.value)) \(figure.unit)".padding(toLength: 12, withPad: " ", startingAt: 0)
                if let target = figure.target, let verdict = figure.verdict {
                    line += "  target \(target.text(figure.unit))".padding(toLength: 22, withPad: " ", startingAt: 0)
                    line += "  \(verdict)"
                    if verdict == "PASS" { passed += 1 } else { missed += 1 }
                }
                if let detail = figure.detail { line += "  (\(detail))" }
                print(line)
            }
        } catch {
            print("  section failed: \(error)")
            missed += 1
        }
        fflush(nil)
    }
    print("== targets: \(passed) PASS, \(missed) MISS")
}
