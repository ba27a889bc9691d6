import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small HTTP/1.1 server on 127.0.0.1 for tests: records every request byte for byte and answers as the
/// test scripts it (a status, silence until stopped, or a dropped connection).
public final class LoopbackReceiver: @unchecked Sendable {
    // @unchecked: the mutable state is guarded by `lock`; sockets belong to their own threads.

    /// One request as received.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        /// The first header of that name, case-insensitively.
        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        public var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    /// How to answer one request.
    public enum Reply: Sendable {
        case status(Int, body: String = "", headers: [(String, String)] = [])
        /// Never answer; the connection closes when the receiver stops.
        case hold
        /// Close the connection without a word.
        case drop
    }

    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)/hook" }

    private let listener: Int32
    private let reply: @Sendable (Request, Int) -> Reply
    private let lock = NSLock()
    private var received: [Request] = []
    private var stopped = false
    /// Open connections. A descriptor leaves this set (under the lock) before it is closed, so `stop` never
    /// shuts down a number the system has already handed to someone else.
    private var connections: Set<Int32> = []

    /// `reply` gets each request and its 0-based number; the default answers 200 "ok".
    public init(reply: @escaping @Sendable (Request, Int) -> Reply = { _, _ in .status(200, body: "ok") }) throws {
        self.reply = reply
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ReceiverError("socket failed") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw ReceiverError("bind/listen failed")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit { stop() }

    /// Every request so far, in arrival order.
    public var requests: [Request] { lock.withLock { received } }

    /// Waits (polling, with a deadline) until at least `count` requests have arrived; returns them all.
    @discardableResult
    public func waitForRequests(_ count: Int, timeout: TimeInterval = 10) throws -> [Request] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let now = requests
            if now.count >= count { return now }
            Thread.sleep(forTimeInterval: 0.01)
        }
        throw ReceiverError("expected \(count) request(s) within \(timeout)s, got \(requests.count)")
    }

    /// `waitForRequests` for async tests: sleeps without holding a thread of the cooperative pool.
    @discardableResult
    public func requests(atLeast count: Int, timeout: TimeInterval = 10) async throws -> [Request] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let now = requests
            if now.count >= count { return now }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        throw ReceiverError("expected \(count) request(s) within \(timeout)s, got \(requests.count)")
    }

    /// Stops listening and ends every connection, held ones included. The threads close their own descriptors.
    public func stop() {
        lock.withLock {
            guard !stopped else { return }
            stopped = true
            // shutdown wakes the blocked accept and recv calls without freeing the descriptors under them.
            shutdown(listener, Int32(SHUT_RDWR))
            for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    private func acceptLoop() {
        defer { close(listener) }
        while !isStopped {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                return
            }
            let accepted = lock.withLock { () -> Bool in
                if stopped { return false }
                connections.insert(fd)
                return true
            }
            guard accepted else {
                close(fd)
                return
            }
            let thread = Thread { [self] in serve(fd) }
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        defer {
            lock.withLock {
                connections.remove(fd)
                close(fd)
            }
        }
        var buffer: [UInt8] = []
        while !isStopped {
            guard let request = readRequest(fd, &buffer) else { return }
            let index: Int = lock.withLock {
                received.append(request)
                return received.count - 1
            }
            switch reply(request, index) {
            case .status(let code, let body, let headers):
                var head = "HTTP/1.1 \(code) \(code < 300 ? "OK" : "Error")\r\nContent-Length: \(body.utf8.count)\r\n"
                for (name, value) in headers { head += "\(name): \(value)\r\n" }
                head += "Content-Type: text/plain\r\n\r\n"
                let bytes = Array((head + body).utf8)
                guard writeAll(fd, bytes) else { return }
            case .hold:
                while !isStopped { Thread.sleep(forTimeInterval: 0.01) }
                return
            case .drop:
                return
            }
        }
    }

    /// Reads one request (head, then a Content-Length or chunked body); `nil` at the end of the connection.
    private func readRequest(_ fd: Int32, _ buffer: inout [UInt8]) -> Request? {
        let separator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        while headEnd == nil {
            if let range = buffer.firstRange(of: separator) { headEnd = range.lowerBound; break }
            guard fill(fd, &buffer) else { return nil }
        }
        let head = String(decoding: buffer[..<headEnd!], as: UTF8.self)
        buffer.removeFirst(headEnd! + 4)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var request = Request(method: String(requestLine[0]), path: String(requestLine[1]), headers: headers, body: [])
        if let length = request.header("Content-Length").flatMap(Int.init) {
            while buffer.count < length { guard fill(fd, &buffer) else { return nil } }
            request.body = Array(buffer[..<length])
            buffer.removeFirst(length)
        } else if request.header("Transfer-Encoding")?.lowercased() == "chunked" {
            while true {
                var lineEnd: Int?
                while lineEnd == nil {
                    if let r = buffer.firstRange(of: [13, 10]) { lineEnd = r.lowerBound; break }
                    guard fill(fd, &buffer) else { return nil }
                }
                let size = Int(String(decoding: buffer[..<lineEnd!], as: UTF8.self).split(separator: ";")[0], radix: 16) ?? 0
                buffer.removeFirst(lineEnd! + 2)
                while buffer.count < size + 2 { guard fill(fd, &buffer) else { return nil } }
                request.body += buffer[..<size]
                buffer.removeFirst(size + 2)
                if size == 0 { break }
            }
        }
        return request
    }

    private func fill(_ fd: Int32, _ buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return false }
        buffer += chunk[..<n]
        return true
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, noSignal) }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }
}

#if os(Linux)
private let noSignal = Int32(MSG_NOSIGNAL)
#else
private let noSignal: Int32 = 0
#endif

/// A receiver that could not start.
public struct ReceiverError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
