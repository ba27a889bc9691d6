import AsyncHTTPClient
import Foundation

/// The HTTP proxies webhooks go through, read the way curl reads them: `HTTPS_PROXY` for https URLs, `HTTP_PROXY`
/// for http ones (either spelling case), and `NO_PROXY` for the hosts reached directly; loopback is always direct.
struct ProxySettings: Sendable {
    /// A proxy server; the credentials of `http://user:pass@host:port` go in the Proxy-Authorization header.
    struct Server: Sendable, Hashable {
        var host: String
        var port: Int
        var username: String?
        var password: String?

        var proxy: HTTPClient.Configuration.Proxy {
            guard let username else { return .server(host: host, port: port) }
            return .server(host: host, port: port, authorization: .basic(username: username, password: password ?? ""))
        }
    }

    var http: Result<Server, ChannelProblem>?
    var https: Result<Server, ChannelProblem>?
    /// Lowercased host names and domain suffixes; `*` reaches every host directly.
    var noProxy: [String]

    init(environment: [String: String]) {
        func value(_ name: String) -> (name: String, value: String)? {
            for key in [name, name.lowercased()] {
                if let v = environment[key]?.trimmingCharacters(in: .whitespaces), !v.isEmpty { return (key, v) }
            }
            return nil
        }
        http = value("HTTP_PROXY").map { Self.parse($0.value, variable: $0.name) }
        https = value("HTTPS_PROXY").map { Self.parse($0.value, variable: $0.name) }
        noProxy = (value("NO_PROXY")?.value ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
    }

    /// The proxy for a URL, `nil` to connect directly; a malformed proxy variable is a problem, not a silent bypass.
    func server(for url: URL) throws(ChannelProblem) -> Server? {
        guard let host = url.host?.lowercased() else { return nil }
        // Like Go's net/http: a receiver on this machine is never reached through a proxy.
        if Self.isLoopback(host) || bypasses(host) { return nil }
        let chosen = url.scheme?.lowercased() == "https" ? https : http
        switch chosen {
        case nil: return nil
        case .success(let server): return server
        case .failure(let problem): throw problem
        }
    }

    /// `NO_PROXY` entries match the host itself or any host under them: `example.com` and `.example.com` both
    /// cover `hooks.example.com`; a port after a colon is ignored.
    func bypasses(_ host: String) -> Bool {
        noProxy.contains { entry in
            if entry == "*" { return true }
            var domain = entry.hasPrefix(".") ? String(entry.dropFirst()) : entry
            if let colon = domain.lastIndex(of: ":"), !domain.contains("]"), domain.filter({ $0 == ":" }).count == 1 {
                domain = String(domain[..<colon])
            }
            return host == domain || host.hasSuffix("." + domain)
        }
    }

    static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return bare == "localhost" || bare.hasSuffix(".localhost") || bare == "::1" || bare.hasPrefix("127.")
    }

    /// `http://[user:pass@]host[:port]`, or `host:port`; the port defaults to 80. Never quotes the value: it may
    /// carry a password.
    static func parse(_ text: String, variable: String) -> Result<Server, ChannelProblem> {
        let withScheme = text.contains("://") ? text : "http://" + text
        guard let components = URLComponents(string: withScheme), let host = components.host, !host.isEmpty,
              components.scheme?.lowercased() == "http"
        else {
            return .failure(ChannelProblem("\(variable) is not an http proxy URL such as http://proxy.example:3128", retryable: false))
        }
        return .success(Server(host: host, port: components.port ?? 80, username: components.user.flatMap { $0.removingPercentEncoding },
                               password: components.password.flatMap { $0.removingPercentEncoding }))
    }
}
