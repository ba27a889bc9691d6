@testable import Broadcast
import Foundation
import IncidentCore
import Testing
import WarroomTestSupport

/// Webhooks through the proxy the environment names (HTTP_PROXY, HTTPS_PROXY, NO_PROXY), as corporate networks need.
/// The "proxy" is a loopback receiver that answers the client's CONNECT and then receives the tunnelled request.
@Suite("Proxies", .serialized)
struct ProxyTests {
    func channel(url: String) -> String {
        """
        channels:
          - {name: hook, type: webhook, format: generic, url: "\(url)", timeout: 2s}
        """
    }

    @Test func aWebhookGoesThroughTheProxyWithItsCredentials() async throws {
        let proxy = try LoopbackReceiver()
        defer { proxy.stop() }
        let ws = try TestWorkspace()
        try ws.declare()
        let clock = ManualClock()
        let c = try config(channel(url: "http://hooks.example.invalid/services/T00/B00"))
        _ = try await ws.send("through the proxy", config: c, clock: clock)
        let environment = ["http_proxy": "http://ops:s3cr%40t@127.0.0.1:\(proxy.port)"]
        let reports = try await withSender(ws, environment: environment) { await worker(ws, c, clock: clock, sender: $0).deliverDue() }
        #expect(reports.map(\.result) == [.delivered(detail: nil)])
        // The client opens a tunnel to the webhook's host through the proxy, then posts through it.
        let requests = proxy.requests
        #expect(requests.map(\.method) == ["CONNECT", "POST"], "\(requests.map { "\($0.method) \($0.path)" })")
        let connect = try #require(requests.first)
        #expect(connect.path == "hooks.example.invalid:80")
        #expect(connect.header("Proxy-Authorization") == "Basic " + Data("ops:s3cr@t".utf8).base64EncodedString())
        let post = try #require(requests.last)
        #expect(post.path == "/services/T00/B00")
        #expect(post.bodyText.contains("through the proxy"))
    }

    @Test func loopbackIsAlwaysReachedDirectly() async throws {
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        let ws = try TestWorkspace()
        try ws.declare()
        let clock = ManualClock()
        let c = try config(channel(url: receiver.url))
        _ = try await ws.send("direct", config: c, clock: clock)
        // The proxy is a closed port: going through it would fail.
        let environment = ["HTTP_PROXY": "http://127.0.0.1:9"]
        let reports = try await withSender(ws, environment: environment) { await worker(ws, c, clock: clock, sender: $0).deliverDue() }
        #expect(reports.map(\.result) == [.delivered(detail: nil)])
        #expect(receiver.requests.first?.path == "/hook")
    }

    @Test func noProxyNamesHostsAndDomainsReachedDirectly() throws {
        let settings = ProxySettings(environment: [
            "HTTPS_PROXY": "proxy.corp:3128", "NO_PROXY": " .internal.example, status.example.com:443 ,hooks.slack.com",
        ])
        func via(_ url: String) throws -> String? { try settings.server(for: URL(string: url)!)?.host }
        #expect(try via("https://hooks.example.net/x") == "proxy.corp")
        #expect(try settings.server(for: URL(string: "https://hooks.example.net/x")!)?.port == 3128)
        #expect(try via("https://a.internal.example/x") == nil)
        #expect(try via("https://internal.example/x") == nil)
        #expect(try via("https://status.example.com/x") == nil)
        #expect(try via("https://hooks.slack.com/services/T/B") == nil)
        #expect(try via("https://nothooks.slack.com.evil.net/x") == "proxy.corp")
        #expect(try via("http://hooks.example.net/x") == nil, "HTTP_PROXY is not set")
        #expect(try via("https://[::1]:8080/x") == nil)
        #expect(ProxySettings(environment: ["https_proxy": "http://p:1", "NO_PROXY": "*"]).bypasses("anything.example"))
    }

    @Test func aMalformedProxyIsAProblemThatNeverShowsItsPassword() async throws {
        let ws = try TestWorkspace()
        try ws.declare()
        let clock = ManualClock()
        let c = try config(channel(url: "https://hooks.example.invalid/x"))
        _ = try await ws.send("nowhere", config: c, clock: clock)
        let environment = ["HTTPS_PROXY": "socks5://admin:hunter2@proxy.example:1080"]
        let reports = try await withSender(ws, environment: environment) { await worker(ws, c, clock: clock, sender: $0).deliverDue() }
        // Not retryable: the delivery is given up at once, and the message names the variable, never its value.
        #expect(reports.map(\.result) == [.abandon(problem: "HTTPS_PROXY is not an http proxy URL such as http://proxy.example:3128")])
    }
}
