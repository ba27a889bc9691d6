import AsyncHTTPClient
import Foundation
import IncidentCore
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an attempt failed, in words that name no address or token.
public struct ChannelProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// Whether trying again may help (a 503 may; a 404 or a malformed channel will not).
    public var retryable: Bool
    /// How long the receiver asked us to wait (`Retry-After`).
    public var retryAfter: TimeInterval?

    public init(_ message: String, retryable: Bool, retryAfter: TimeInterval? = nil) {
        self.message = message
        self.retryable = retryable
        self.retryAfter = retryAfter
    }

    public var description: String { message }
}

/// How one attempt ended.
public enum SendOutcome: Sendable, Equatable {
    case delivered(detail: String?)
    case failed(ChannelProblem)
}

/// Carries a delivery over its channel: appends to a file, runs a command, or POSTs to a webhook.
public final class ChannelSender: Sendable {
    private let workspace: URL
    private let environment: [String: String]
    private let proxies: ProxySettings
    /// One client per way out: directly, and through each proxy the environment names.
    private let direct: HTTPClient
    private let proxied: [ProxySettings.Server: HTTPClient]

    /// `environment` supplies `${VARIABLE}`s, the command channels' environment, and the HTTP proxies.
    public init(workspace: URL, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.workspace = workspace
        self.environment = environment
        proxies = ProxySettings(environment: environment)
        // Redirects are refused: following one would hand the headers (tokens) to another address.
        direct = HTTPClient(eventLoopGroupProvider: .singleton,
                            configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))
        var proxied: [ProxySettings.Server: HTTPClient] = [:]
        for case .success(let server)? in [proxies.http, proxies.https] where proxied[server] == nil {
            proxied[server] = HTTPClient(eventLoopGroupProvider: .singleton,
                                         configuration: HTTPClient.Configuration(redirectConfiguration: .disallow, proxy: server.proxy))
        }
        self.proxied = proxied
        // A command that exits without reading its input must not kill this process with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
    }

    /// Whether this machine can send to `channel`: every environment variable it reads (its address, token or
    /// signing secret) is set here. A delivery to a channel this machine cannot send is left to one that can.
    public func canSend(_ channel: ChannelConfig) -> Bool {
        (channel.kind.variables + (channel.secret?.variables ?? [])).allSatisfy { environment[$0]?.isEmpty == false }
    }

    /// Closes the HTTP connections. Call once no attempt is running.
    public func shutdown() async {
        try? await direct.shutdown()
        for client in proxied.values { try? await client.shutdown() }
    }

    /// One attempt, at most `timeout` long. The outcome's messages are already redacted.
    public func send(_ delivery: Delivery, via channel: ChannelConfig, timeout: TimeInterval) async -> SendOutcome {
        var redactor = Redactor()
        let outcome: SendOutcome
        do {
            switch channel.kind {
            case .file(let path):
                outcome = try await fileAppend(delivery, path: path, timeout: timeout)
            case .command(let arguments, let environment):
                outcome = try await runCommand(delivery, channel: channel.name, arguments: arguments,
                                               environment: environment, timeout: timeout, redactor: &redactor)
            case .webhook(let format, let url, let headers):
                outcome = try await post(delivery, format: format, url: url, headers: headers, secret: channel.secret,
                                         timeout: timeout, redactor: &redactor)
            }
        } catch let problem as ChannelProblem {
            outcome = .failed(problem)
        } catch {
            outcome = .failed(ChannelProblem("\(channel.kind.label) failed (\(type(of: error)))", retryable: true))
        }
        switch outcome {
        case .delivered(let detail): return .delivered(detail: detail.map(redactor.redact))
        case .failed(var problem):
            problem.message = redactor.redact(problem.message)
            return .failed(problem)
        }
    }

    // MARK: Webhook

    private func post(
        _ delivery: Delivery, format: WebhookFormat, url: SecretTemplate, headers: [(name: String, value: SecretTemplate)],
        secret: SecretTemplate?, timeout: TimeInterval, redactor: inout Redactor
    ) async throws -> SendOutcome {
        var (address, urlSecrets) = try url.resolve(environment)
        redactor.add(url: address)
        urlSecrets.forEach { redactor.add($0) }
        let lower = address.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), URL(string: address)?.host != nil else {
            throw ChannelProblem("webhook url is not a valid http(s) URL", retryable: false)
        }
        var signature: WebhookSigning.Signature?
        if let secret {
            let (key, keySecrets) = try secret.resolve(environment)
            redactor.add(key)
            keySecrets.forEach { redactor.add($0) }
            switch format {
            case .dingtalk:
                let signed = WebhookSigning.dingtalk(secret: key, at: Date())
                address = WebhookSigning.signedURL(address, signed)
                redactor.add(signed.sign)
            case .feishu:
                signature = WebhookSigning.feishu(secret: key, at: Date())
            case .slack, .wecom, .generic:
                break
            }
        }
        let server = try proxies.server(for: URL(string: address)!)
        if let password = server?.password { redactor.add(password) }
        let http = server.flatMap { proxied[$0] } ?? direct
        var request = HTTPClientRequest(url: address)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "User-Agent", value: "warroom")
        request.headers.add(name: "Idempotency-Key", value: delivery.idempotencyKey)
        for header in headers {
            let (value, secrets) = try header.value.resolve(environment)
            redactor.add(value)
            secrets.forEach { redactor.add($0) }
            request.headers.replaceOrAdd(name: header.name, value: value)
        }
        let body = Payload.webhookBody(format, content: delivery.content, idempotencyKey: delivery.idempotencyKey, signature: signature)
        request.body = .bytes(ByteBuffer(bytes: body))

        let prepared = request
        let (status, retryAfter, responseBody): (UInt, String?, ByteBuffer)
        do {
            (status, retryAfter, responseBody) = try await withDeadline(timeout) {
                let response = try await http.execute(prepared, timeout: .nanoseconds(Int64(timeout * 1e9)))
                let collected = try await response.body.collect(upTo: 64 * 1024)
                return (response.status.code, response.headers.first(name: "Retry-After"), collected)
            }
        } catch is TimedOut {
            throw ChannelProblem("webhook timed out after \(seconds(timeout))", retryable: true)
        } catch let error as HTTPClientError {
            throw ChannelProblem("webhook \(Self.describe(error, timeout: timeout))", retryable: true)
        } catch let error as ChannelProblem {
            throw error
        } catch {
            throw ChannelProblem("webhook \(Self.describe(error))", retryable: true)
        }
        switch status {
        case 200..<300:
            if let problem = Self.serviceError(format, body: responseBody) { throw problem }
            return .delivered(detail: nil)
        case 408, 425, 429, 500..<600:
            throw ChannelProblem("webhook \(status)", retryable: true, retryAfter: retryAfter.flatMap(Self.retryAfterSeconds))
        case 300..<400:
            throw ChannelProblem("webhook \(status) (redirects are not followed)", retryable: false)
        default:
            throw ChannelProblem("webhook \(status)", retryable: false)
        }
    }

    /// WeCom, DingTalk and Feishu answer 200 with an error code in the body when they refuse a message.
    static func serviceError(_ format: WebhookFormat, body: ByteBuffer) -> ChannelProblem? {
        let field: String
        switch format {
        case .wecom, .dingtalk: field = "errcode"
        case .feishu: field = "code"
        case .slack, .generic: return nil
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else { return nil }
        let code = (object[field] as? NSNumber) ?? (format == .feishu ? object["StatusCode"] as? NSNumber : nil)
        guard let code, code.intValue != 0 else { return nil }
        return ChannelProblem("\(format.rawValue) error \(code.intValue)", retryable: true)
    }

    static func retryAfterSeconds(_ text: String) -> TimeInterval? {
        guard let n = Double(text.trimmingCharacters(in: .whitespaces)), n.isFinite, n >= 0 else { return nil }
        return n
    }

    /// Words for a transport failure. Error descriptions are not used: they can carry the address.
    static func describe(_ error: any Error, timeout: TimeInterval = 0) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "connect timed out"
            case .readTimeout, .deadlineExceeded: return "timed out after \(seconds(timeout))"
            case .remoteConnectionClosed: return "connection closed before the answer"
            case .cancelled: return "request cancelled"
            case .invalidURL, .emptyHost, .emptyScheme: return "url is not usable"
            case .bodyLengthMismatch, .invalidProxyResponse: return "protocol error"
            default: return "request failed"
            }
        }
        let name = String(describing: type(of: error))
        let text = String(describing: error).lowercased()
        if text.contains("refused") { return "connection refused" }
        if text.contains("unreachable") { return "network unreachable" }
        if name.contains("Resolution") || text.contains("resolve") || text.contains("lookup") { return "host not found" }
        if name.contains("SSL") || name.contains("TLS") || text.contains("certificate") { return "TLS handshake failed" }
        return "request failed (\(name))"
    }

    // MARK: Command

    /// What a command channel's program inherits from Warroom's environment, besides `LC_*`.
    static let inheritedVariables: Set<String> = ["PATH", "HOME", "LANG", "TZ"]

    private func runCommand(
        _ delivery: Delivery, channel: String, arguments: [String], environment extra: [(name: String, value: SecretTemplate)],
        timeout: TimeInterval, redactor: inout Redactor
    ) async throws -> SendOutcome {
        guard let program = executable(arguments[0]) else {
            throw ChannelProblem("command not found: \(InertText.make(arguments[0]))", retryable: false)
        }
        // Least privilege: the program sees what any program needs to run, the delivery's own WARROOM_* facts and the
        // variables its channel lists, never the rest of Warroom's environment (other channels' secrets, the store URL).
        var env = environment.filter { Self.inheritedVariables.contains($0.key) || $0.key.hasPrefix("LC_") }
        let c = delivery.content
        env["WARROOM_CHANNEL"] = channel
        env["WARROOM_INCIDENT"] = c.incident
        env["WARROOM_TITLE"] = c.title
        env["WARROOM_SEVERITY"] = c.severity.rawValue
        env["WARROOM_STATE"] = c.state.rawValue
        env["WARROOM_AUDIENCE"] = c.audience.rawValue
        env["WARROOM_DRILL"] = c.isDrill ? "true" : "false"
        env["WARROOM_SENT_AT"] = Payload.iso(c.sentAt)
        env["WARROOM_NEXT_UPDATE_BY"] = c.nextUpdateBy.map(Payload.iso) ?? ""
        env["WARROOM_IDEMPOTENCY_KEY"] = delivery.idempotencyKey
        for (name, template) in extra {
            let (value, secrets) = try template.resolve(environment)
            redactor.add(value)
            secrets.forEach { redactor.add($0) }
            env[name] = value
        }
        let run = CommandRun(program: program, arguments: Array(arguments.dropFirst()), environment: env,
                             directory: workspace, input: Data((c.message + "\n").utf8))
        let status = try await run.wait(timeout: timeout)
        switch status {
        case .exited(0): return .delivered(detail: nil)
        case .exited(let code): throw ChannelProblem("command exited \(code)", retryable: true)
        case .signalled(let signal): throw ChannelProblem("command killed by signal \(signal)", retryable: true)
        case .timedOut: throw ChannelProblem("command timed out after \(seconds(timeout))", retryable: true)
        case .failedToStart: throw ChannelProblem("command could not be started", retryable: false)
        }
    }

    /// A program named with a slash is a path (relative to the workspace); otherwise it is looked up on `PATH`.
    private func executable(_ name: String) -> URL? {
        let fm = FileManager.default
        if name.contains("/") {
            let url = resolve(name, in: workspace)
            return fm.isExecutableFile(atPath: url.path) ? url : nil
        }
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if fm.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    // MARK: File

    private func fileAppend(_ delivery: Delivery, path: String, timeout: TimeInterval) async throws -> SendOutcome {
        let url = resolve(path, in: workspace)
        let entry = Payload.fileEntry(content: delivery.content, idempotencyKey: delivery.idempotencyKey)
        let key = delivery.idempotencyKey
        return try await withDeadline(timeout) {
            try FileChannel.append(entry, key: key, to: url.path, deadline: Date().addingTimeInterval(timeout))
        }
    }
}

/// A file channel's append: under an exclusive lock, skipped if the key is already in the file (the attempt
/// before a crash got that far), then fsynced. The drill sink appends pages through it too. The entry is made
/// inert, its line breaks and tabs kept: people read these files with `tail -f` and `cat`.
public enum FileChannel {
    public static func append(_ entry: String, key: String, to path: String, deadline: Date) throws -> SendOutcome {
        let fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ChannelProblem("file cannot be opened (\(errorText()))", retryable: true) }
        defer { close(fd) }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, Date() < deadline else {
                throw ChannelProblem("file stayed locked by another writer", retryable: true)
            }
            usleep(10_000)
        }
        if try contains(fd, key) { return .delivered(detail: "already in the file") }
        var bytes = Array(InertText.make(entry, keepingLines: true).utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ChannelProblem("file write failed (\(errorText()))", retryable: true)
            }
            offset += n
        }
        guard fsync(fd) == 0 else { throw ChannelProblem("file sync failed (\(errorText()))", retryable: true) }
        bytes.removeAll()
        return .delivered(detail: nil)
    }

    /// Whether the key appears in the file's last 8 MiB (an update log is far smaller; a key is unique).
    private static func contains(_ fd: Int32, _ key: String) throws -> Bool {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ChannelProblem("file cannot be read (\(errorText()))", retryable: true) }
        let size = Int(info.st_size)
        let start = max(0, size - 8 * 1024 * 1024)
        var buffer = [UInt8](repeating: 0, count: size - start)
        var read = 0
        while read < buffer.count {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + read, $0.count - read, off_t(start + read)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            read += n
        }
        return buffer[..<read].firstRange(of: Array(key.utf8)) != nil
    }

    private static func errorText() -> String { String(cString: strerror(errno)).lowercased() }
}

/// A child process with its input, and a wait that gives up after a timeout.
final class CommandRun: @unchecked Sendable {
    // @unchecked: `status` is guarded by `lock`; the Process is touched before run and by its own callbacks.
    enum Status: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)
        case timedOut
        case failedToStart
    }

    private let process = Process()
    private let input: Data
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Status, Never>?
    private var result: Status?

    init(program: URL, arguments: [String], environment: [String: String], directory: URL, input: Data) {
        process.executableURL = program
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        self.input = input
    }

    func wait(timeout: TimeInterval) async throws -> Status {
        let pipe = Pipe()
        process.standardInput = pipe
        process.terminationHandler = { [weak self] process in
            let status: Status = process.terminationReason == .uncaughtSignal
                ? .signalled(process.terminationStatus) : .exited(process.terminationStatus)
            self?.finish(status)
        }
        do {
            try process.run()
        } catch {
            return .failedToStart
        }
        let writer = pipe.fileHandleForWriting
        let input = self.input
        // The input is written off this task: a child that never reads must not hold it up past the timeout.
        Thread.detachNewThread {
            try? writer.write(contentsOf: input)
            try? writer.close()
        }
        let pid = process.processIdentifier
        let timer = Task.detached { [self] in
            try await Task.sleep(nanoseconds: UInt64(max(0, timeout) * 1e9))
            finish(.timedOut)
            guard process.isRunning else { return }
            kill(pid, SIGTERM)
            try await Task.sleep(nanoseconds: 1_000_000_000)
            if process.isRunning { kill(pid, SIGKILL) }
        }
        let status = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                lock.lock()
                if let result {
                    lock.unlock()
                    continuation.resume(returning: result)
                } else {
                    self.continuation = continuation
                    lock.unlock()
                }
            }
        } onCancel: { [process] in
            if process.isRunning { kill(pid, SIGKILL) }
        }
        if status != .timedOut { timer.cancel() }
        return status
    }

    private func finish(_ status: Status) {
        lock.lock()
        guard result == nil else {
            lock.unlock()
            return
        }
        result = status
        let waiting = continuation
        continuation = nil
        lock.unlock()
        waiting?.resume(returning: status)
    }
}

/// A path from the configuration: absolute, or relative to the workspace directory.
func resolve(_ path: String, in workspace: URL) -> URL {
    let expanded = (path as NSString).expandingTildeInPath
    if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded).standardizedFileURL }
    return URL(fileURLWithPath: workspace.path, isDirectory: true).appendingPathComponent(expanded).standardizedFileURL
}

/// Thrown by `withDeadline` when time runs out.
struct TimedOut: Error {}

/// Runs `body`, giving up with `TimedOut` after `seconds`; the body is cancelled then.
func withDeadline<T: Sendable>(_ seconds: TimeInterval, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9))
            throw TimedOut()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// `10s`, `500ms`: how a timeout reads in a message.
func seconds(_ interval: TimeInterval) -> String {
    interval < 1 ? "\(Int((interval * 1000).rounded()))ms" : DurationText.short(interval.rounded())
}
