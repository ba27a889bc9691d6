import Foundation
import IncidentCore
import YAMLDiagnostics
import Yams

/// A problem in `warroom.yaml`, printed `path:line: message`.
public typealias ConfigProblem = FileProblem

/// A configuration that cannot be used; nothing from it is used. The description lists every problem, one a line.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var problems: [ConfigProblem]
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// How the outbox retries.
public struct DeliverySettings: Sendable, Equatable {
    /// How long one attempt may take, unless the channel says otherwise.
    public var timeout: Duration
    /// Attempts before a delivery is given up (it can be requeued with `warroom outbox retry`).
    public var attempts: Int
    /// The wait after the first failed attempt; it doubles after each further failure.
    public var backoff: Duration
    /// The longest wait between attempts.
    public var maxBackoff: Duration
    /// How long `warroom broadcast --send` waits for deliveries before leaving them to a worker.
    public var wait: Duration

    public init(timeout: Duration = .seconds(10), attempts: Int = 8, backoff: Duration = .seconds(5),
                maxBackoff: Duration = .seconds(300), wait: Duration = .seconds(15)) {
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
        self.maxBackoff = maxBackoff
        self.wait = wait
    }

    /// The wait after failed attempt number `attempt` (1-based): backoff, 2×, 4×, … capped at `maxBackoff`.
    public func retryDelay(afterAttempt attempt: Int) -> TimeInterval {
        let doubled = backoff.seconds * pow(2, Double(max(0, min(attempt - 1, 30))))
        return min(maxBackoff.seconds, doubled)
    }
}

/// `store:` in warroom.yaml. Every value may be overridden by a flag or an environment variable.
public struct StoreSettings: Sendable, Equatable {
    /// `url`: a PostgreSQL URL (`postgres://user@host:5432/db?sslmode=require`); `nil` for the SQLite file.
    public var url: String?
    /// `workspace`: which workspace of the team store (default `default`).
    public var workspace: String?
    /// `listen_url`: where LISTEN connects when `url` goes through a transaction-mode pooler.
    public var listenURL: String?
    /// `lock_timeout`: how long a writer waits for another process holding the SQLite store before giving up.
    public var lockTimeout: Duration = .seconds(30)

    public init(url: String? = nil, workspace: String? = nil, listenURL: String? = nil) {
        self.url = url
        self.workspace = workspace
        self.listenURL = listenURL
    }
}

/// `warroom.yaml` in the workspace: the numbers of incident handling and the broadcast channels.
public struct WarroomConfig: Sendable {
    /// The file name in a workspace.
    public static let fileName = "warroom.yaml"

    public var policy: Policy
    public var delivery: DeliverySettings
    public var channels: [ChannelConfig]
    /// `store:`: the team store this workspace uses, when it is not the SQLite file.
    public var store = StoreSettings()
    /// Where it was read from; `nil` for the defaults (no file).
    public var path: String?

    public init(policy: Policy = .standard, delivery: DeliverySettings = DeliverySettings(), channels: [ChannelConfig] = [],
                path: String? = nil) {
        self.policy = policy
        self.delivery = delivery
        self.channels = channels
        self.path = path
    }

    /// The product defaults and no channels: what a workspace without `warroom.yaml` gets.
    public static let defaults = WarroomConfig()

    /// The configured channels, then the built-in drill sink unless a configured channel takes its name.
    public var allChannels: [ChannelConfig] {
        channels.contains { $0.name == ChannelConfig.drillSink.name } ? channels : channels + [ChannelConfig.drillSink]
    }

    /// The routes the core uses to pick the channels of an update.
    public var routes: [ChannelRoute] { allChannels.map(\.route) }

    /// The channel called `name`, the built-in drill sink included.
    public func channel(named name: String) -> ChannelConfig? { allChannels.first { $0.name == name } }

    /// Where a workspace's configuration is: `$WARROOM_CONFIG` if set, else `WORKSPACE/warroom.yaml`.
    public static func location(workspace: URL, environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let path = environment["WARROOM_CONFIG"], !path.isEmpty {
            return resolve(path, in: workspace)
        }
        return workspace.appendingPathComponent(fileName)
    }

    /// Reads the workspace's configuration; the defaults when there is no file (an explicit `$WARROOM_CONFIG` must exist).
    public static func load(workspace: URL, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> WarroomConfig {
        let url = location(workspace: workspace, environment: environment)
        let explicit = environment["WARROOM_CONFIG"].map { !$0.isEmpty } ?? false
        guard FileManager.default.fileExists(atPath: url.path) else {
            if explicit { throw ConfigError(problems: [ConfigProblem(path: url.path, line: 1, message: "no such file (from $WARROOM_CONFIG)")]) }
            return .defaults
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ConfigError(problems: [ConfigProblem(path: url.path, line: 1, message: "cannot read the file")])
        }
        guard data.count <= ConfigParser.maxBytes else {
            throw ConfigError(problems: [ConfigProblem(path: url.path, line: 1, message: "the file is too long (over 256 KiB)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(problems: [ConfigProblem(path: url.path, line: 1, message: "the file is not UTF-8 text")])
        }
        return try parse(text, path: url.path)
    }

    /// Parses configuration text; `path` names it in problems.
    public static func parse(_ text: String, path: String) throws(ConfigError) -> WarroomConfig {
        var parser = ConfigParser(path: path)
        let config = parser.parse(text)
        if !parser.problems.isEmpty { throw ConfigError(problems: parser.problems) }
        return config
    }
}

/// Durations in configuration: `90s`, `15m`, `1h30m`, `500ms`, `30d`.
public enum ConfigDuration {
    public static func parse(_ text: String) -> Duration? {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces).lowercased())
        guard !rest.isEmpty else { return nil }
        var total: Duration = .zero
        var units: [String] = []
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 9, let value = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let unit: String
            if rest.hasPrefix("ms") { unit = "ms" } else if let first = rest.first, "dhms".contains(first) { unit = String(first) } else { return nil }
            rest = rest.dropFirst(unit.count)
            // Units in order, each once: 1h30m, not 30m1h or 5m5m.
            let order = ["d", "h", "m", "s", "ms"]
            if let last = units.last, order.firstIndex(of: unit)! <= order.firstIndex(of: last)! { return nil }
            units.append(unit)
            switch unit {
            case "d": total += .seconds(value * 86400)
            case "h": total += .seconds(value * 3600)
            case "m": total += .seconds(value * 60)
            case "s": total += .seconds(value)
            default: total += .milliseconds(value)
            }
        }
        return total
    }

    /// How the configuration writes a duration: `15m`, `1h30m`, `90s` → `1m30s`.
    public static func text(_ duration: Duration) -> String {
        let ms = Int64((duration.seconds * 1000).rounded())
        if ms == 0 { return "0s" }
        var out = ""
        let d = ms / 86_400_000, h = ms % 86_400_000 / 3_600_000, m = ms % 3_600_000 / 60_000, s = ms % 60_000 / 1000
        let rest = ms % 1000
        if d > 0 { out += "\(d)d" }
        if h > 0 { out += "\(h)h" }
        if m > 0 { out += "\(m)m" }
        if s > 0 { out += "\(s)s" }
        if rest > 0 { out += "\(rest)ms" }
        return out
    }
}

/// Walks the composed YAML, collecting every problem with its line.
struct ConfigParser {
    static let maxBytes = 256 * 1024
    static let maxNesting = 32
    static let topKeys = ["cadence", "reminder", "monitoring_period", "backdate_limit", "delivery", "channels", "store"]
    static let storeKeys = ["url", "workspace", "listen_url", "lock_timeout"]
    static let deliveryKeys = ["timeout", "attempts", "backoff", "max_backoff", "wait"]

    let path: String
    var problems: [ConfigProblem] = []

    init(path: String) { self.path = path }

    mutating func report(_ line: Int, _ message: String) {
        problems.append(ConfigProblem(path: path, line: max(1, line), message: message))
    }

    func line(_ node: Node?) -> Int { node?.mark?.line ?? 1 }

    mutating func parse(_ text: String) -> WarroomConfig {
        var config = WarroomConfig(path: path)
        if let deep = YAMLNesting.firstLineTooDeep(text, limit: Self.maxNesting) {
            report(deep, "the file is nested too deeply")
            return config
        }
        let root: Node?
        do {
            root = try YAMLDiagnostics.compose(text, rawPrefix: "not valid YAML: ")
        } catch {
            report(error.line, error.message)
            return config
        }
        guard let root, root.null == nil else { return config }
        guard let mapping = root.mapping else {
            report(line(root), "warroom.yaml must be YAML keys and values (cadence:, channels:, …)")
            return config
        }
        var seen: Set<String> = []
        for (keyNode, value) in mapping {
            let at = line(keyNode)
            guard let key = keyNode.scalar?.string else {
                report(at, "keys must be plain words")
                continue
            }
            if !seen.insert(key).inserted {
                report(at, "\(quote(key)) appears twice")
                continue
            }
            switch key {
            case "cadence":
                guard let levels = value.mapping else {
                    report(at, "cadence maps severities to durations, like {L1: 15m, L2: 15m, L3: 30m, L4: 60m}")
                    continue
                }
                for (levelNode, durationNode) in levels {
                    let at = line(levelNode)
                    guard let name = levelNode.scalar?.string, let severity = Severity(parsing: name) else {
                        report(at, "unknown severity \(quote(levelNode.scalar?.string ?? "")): use \(Severity.spellings)")
                        continue
                    }
                    if let d = duration(durationNode, "cadence \(severity.rawValue)", minimum: .seconds(1)) {
                        config.policy.cadence[severity] = d
                    }
                }
            case "reminder":
                if let d = duration(value, "reminder", minimum: .zero) { config.policy.reminderLead = d }
            case "monitoring_period":
                if let d = duration(value, "monitoring_period", minimum: .zero) { config.policy.monitoringPeriod = d }
            case "backdate_limit":
                if let d = duration(value, "backdate_limit", minimum: .seconds(60)) { config.policy.backdateLimit = d }
            case "delivery":
                config.delivery = delivery(value, at: at)
            case "channels":
                config.channels = channels(value, at: at, defaultTimeout: nil)
            case "store":
                config.store = store(value, at: at)
            default:
                report(at, "unknown key \(quote(key)) (known: \(Self.topKeys.joined(separator: ", ")))")
            }
        }
        // Channel timeouts default to the delivery timeout, which may be written after the channels.
        for index in config.channels.indices where config.channels[index].timeoutIsDefault {
            config.channels[index].timeout = config.delivery.timeout
        }
        if config.policy.reminderLead > config.policy.cadence.values.min() ?? .seconds(Int64.max / 2) {
            report(mapping.first { $0.key.scalar?.string == "reminder" }.map { line($0.key) } ?? 1,
                   "reminder is longer than the shortest cadence: the reminder would show all the time")
        }
        return config
    }

    private mutating func store(_ node: Node, at: Int) -> StoreSettings {
        var settings = StoreSettings()
        guard let mapping = node.mapping else {
            report(at, "store must be keys and values (\(Self.storeKeys.map { $0 + ":" }.joined(separator: ", ")))")
            return settings
        }
        for (keyNode, value) in mapping {
            let at = line(keyNode)
            let key = keyNode.scalar?.string ?? ""
            guard Self.storeKeys.contains(key) else {
                report(at, "unknown key \(quote(key)) under store (known: \(Self.storeKeys.joined(separator: ", ")))")
                continue
            }
            if key == "lock_timeout" {
                if let d = duration(value, "store lock_timeout", minimum: .zero) { settings.lockTimeout = d }
                continue
            }
            guard let text = value.scalar?.string, !text.trimmingCharacters(in: .whitespaces).isEmpty else {
                report(line(value), "store \(key) must be a non-empty value")
                continue
            }
            switch key {
            case "url": settings.url = text
            case "workspace": settings.workspace = text
            default: settings.listenURL = text
            }
        }
        return settings
    }

    private mutating func delivery(_ node: Node, at: Int) -> DeliverySettings {
        var settings = DeliverySettings()
        guard let mapping = node.mapping else {
            report(at, "delivery must be keys and values (timeout:, attempts:, backoff:, max_backoff:, wait:)")
            return settings
        }
        for (keyNode, value) in mapping {
            let at = line(keyNode)
            switch keyNode.scalar?.string ?? "" {
            case "timeout": if let d = duration(value, "timeout", minimum: .milliseconds(1)) { settings.timeout = d }
            case "backoff": if let d = duration(value, "backoff", minimum: .milliseconds(1)) { settings.backoff = d }
            case "max_backoff": if let d = duration(value, "max_backoff", minimum: .milliseconds(1)) { settings.maxBackoff = d }
            case "wait": if let d = duration(value, "wait", minimum: .zero) { settings.wait = d }
            case "attempts":
                guard let text = value.scalar?.string, let n = Int(text), (1...100).contains(n) else {
                    report(line(value), "attempts must be a whole number from 1 to 100")
                    continue
                }
                settings.attempts = n
            case let key:
                report(at, "unknown delivery key \(quote(key)) (known: \(Self.deliveryKeys.joined(separator: ", ")))")
            }
        }
        if settings.maxBackoff < settings.backoff {
            report(at, "max_backoff is shorter than backoff")
        }
        return settings
    }

    mutating func duration(_ node: Node, _ what: String, minimum: Duration) -> Duration? {
        guard let text = node.scalar?.string, let d = ConfigDuration.parse(text) else {
            let got = node.scalar.map { " (got \(quote($0.string)))" } ?? ""
            report(line(node), "\(what) must be a duration such as 15m, 90s or 1h30m\(got)")
            return nil
        }
        guard d >= minimum else {
            report(line(node), "\(what) must be at least \(ConfigDuration.text(minimum))")
            return nil
        }
        return d
    }
}

