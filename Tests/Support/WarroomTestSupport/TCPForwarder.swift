import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A loopback TCP relay to a server, which a test can cut and restore: to a client it is the server going away and
/// coming back, without stopping the server other tests share.
public final class TCPForwarder: @unchecked Sendable {
    // @unchecked: `listener`, `open`, `running` and each pair's count are guarded by `lock`.
    public let port: Int
    private let target: Int
    private let lock = NSLock()
    private var listener: Int32 = -1
    private var open: Set<Int32> = []
    private var running = false

    /// Relays 127.0.0.1:`port` (picked free) to 127.0.0.1:`target`, and starts relaying.
    public init(to target: Int) throws {
        self.target = target
        let probe = try Self.listen(port: 0)
        port = Self.localPort(probe)
        Glibc.close(probe)
        try start()
    }

    deinit { stop() }

    /// Accepts connections again, on the same port.
    public func start() throws {
        var attempts = 0
        while true {
            do {
                let fd = try Self.listen(port: port)
                lock.withLock {
                    listener = fd
                    running = true
                }
                break
            } catch {
                // The old socket may linger a moment after `stop`.
                attempts += 1
                if attempts > 50 { throw error }
                usleep(20_000)
            }
        }
        let fd = lock.withLock { listener }
        Thread.detachNewThread { [weak self] in self?.accept(on: fd) }
    }

    /// Refuses new connections and cuts every open one, as a server that went away would.
    public func stop() {
        let (fd, connections) = lock.withLock { () -> (Int32, Set<Int32>) in
            running = false
            defer { listener = -1 }
            return (listener, open)
        }
        if fd >= 0 {
            shutdown(fd, Int32(SHUT_RDWR))
            Glibc.close(fd)
        }
        for connection in connections { shutdown(connection, Int32(SHUT_RDWR)) }
    }

    private func accept(on fd: Int32) {
        while true {
            let client = Glibc.accept(fd, nil, nil)
            guard client >= 0 else { return }
            guard lock.withLock({ running }) else {
                Glibc.close(client)
                return
            }
            guard let upstream = try? Self.connect(port: target) else {
                Glibc.close(client)
                continue
            }
            lock.withLock {
                open.insert(client)
                open.insert(upstream)
            }
            let pair = Pair()
            Thread.detachNewThread { [weak self] in self?.pump(from: client, to: upstream, pair) }
            Thread.detachNewThread { [weak self] in self?.pump(from: upstream, to: client, pair) }
        }
    }

    /// The two directions of one relayed connection; the second to finish closes both descriptors.
    private final class Pair: @unchecked Sendable {
        // @unchecked: `finished` is only touched under the forwarder's lock.
        var finished = 0
    }

    private func pump(from source: Int32, to sink: Int32, _ pair: Pair) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(source, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { break }
            var sent = 0
            while sent < n {
                let m = buffer.withUnsafeBytes { send(sink, $0.baseAddress! + sent, n - sent, Int32(MSG_NOSIGNAL)) }
                guard m > 0 else { break }
                sent += m
            }
            guard sent == n else { break }
        }
        // Either side closing ends both directions, as a real connection does.
        shutdown(source, Int32(SHUT_RDWR))
        shutdown(sink, Int32(SHUT_RDWR))
        let closeNow = lock.withLock { () -> Bool in
            pair.finished += 1
            guard pair.finished == 2 else { return false }
            open.remove(source)
            open.remove(sink)
            return true
        }
        if closeNow {
            Glibc.close(source)
            Glibc.close(sink)
        }
    }

    private static func address(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr = in_addr(s_addr: inet_addr("127.0.0.1"))
        return address
    }

    private static func listen(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ForwarderError("socket: \(errno)") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = address(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 64) == 0 else {
            Glibc.close(fd)
            throw ForwarderError("cannot listen on 127.0.0.1:\(port): errno \(errno)")
        }
        return fd
    }

    private static func connect(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ForwarderError("socket: \(errno)") }
        var address = address(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Glibc.close(fd)
            throw ForwarderError("cannot connect to 127.0.0.1:\(port): errno \(errno)")
        }
        return fd
    }

    private static func localPort(_ fd: Int32) -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// The relay could not be set up.
public struct ForwarderError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
