@testable import AlertIntake
import Foundation
import Testing

private let now = Date(timeIntervalSince1970: 1_796_378_400)
private let body = Payloads.grafana
private let credentials = IntakeCredentials(token: "tok-123", grafanaSecret: "grafana-secret")

private func basic(_ user: String, _ password: String) -> String { "Basic " + Data("\(user):\(password)".utf8).base64EncodedString() }

struct AuthTests {
    @Test(arguments: [
        (["Authorization": "Bearer tok-123"], Result<AuthMethod, AuthFailure>.success(.bearer)),
        (["authorization": "bearer tok-123"], .success(.bearer)),
        (["Authorization": "Bearer tok-124"], .failure(.wrong)),
        (["Authorization": "Bearer tok-1234"], .failure(.wrong)),
        (["Authorization": "Bearer "], .failure(.wrong)),
        (["Authorization": basic("alertmanager", "tok-123")], .success(.basic)),
        (["Authorization": basic("alertmanager", "nope")], .failure(.wrong)),
        (["Authorization": "Basic !!!"], .failure(.wrong)),
        (["Authorization": "Token tok-123"], .failure(.wrong)),
        ([:], .failure(.missing)),
        (["Authorization": ""], .failure(.missing)),
    ])
    func token(headers: [String: String], expected: Result<AuthMethod, AuthFailure>) {
        #expect(IntakeAuth.check(source: .alertmanager, headers: headers, body: body, now: now, credentials: credentials) == expected)
    }

    @Test func nothingConfiguredLetsEverythingThrough() {
        #expect(IntakeAuth.check(source: .generic, headers: [:], body: body, now: now, credentials: IntakeCredentials()) == .success(.none))
    }

    @Test func grafanaSignatureOverTheBody() {
        let signature = IntakeAuth.grafanaSignature(body: body, secret: "grafana-secret")
        #expect(signature.count == 64 && signature == signature.lowercased())
        let check = { (headers: [String: String], body: Data) in
            IntakeAuth.check(source: .grafana, headers: headers, body: body, now: now, credentials: credentials)
        }
        #expect(check(["x-grafana-alerting-signature": signature], body) == .success(.grafanaSignature))
        #expect(check([:], body) == .failure(.missing))
        #expect(check(["Authorization": "Bearer tok-123"], body) == .failure(.missing), "with a secret set, Grafana must sign")
        var altered = body
        altered.append(UInt8(ascii: " "))
        #expect(check(["X-Grafana-Alerting-Signature": signature], altered) == .failure(.badSignature), "the exact bytes are signed")
        #expect(check(["X-Grafana-Alerting-Signature": signature.uppercased()], body) == .failure(.badSignature))
        #expect(check(["X-Grafana-Alerting-Signature": "zz"], body) == .failure(.badSignature))
        let otherKey = IntakeAuth.grafanaSignature(body: body, secret: "other")
        #expect(check(["X-Grafana-Alerting-Signature": otherKey], body) == .failure(.badSignature))
    }

    @Test func grafanaSignatureWithTimestamp() {
        var withStamp = credentials
        withStamp.signatureHeader = "X-Sig"
        withStamp.timestampHeader = "X-Sig-Timestamp"
        let check = { (headers: [String: String]) in
            IntakeAuth.check(source: .grafana, headers: headers, body: body, now: now, credentials: withStamp)
        }
        let seconds = Int64(now.timeIntervalSince1970) - 120
        let signature = IntakeAuth.grafanaSignature(body: body, secret: "grafana-secret", timestamp: seconds)
        #expect(check(["X-Sig": signature, "X-Sig-Timestamp": "\(seconds)"]) == .success(.grafanaSignature))
        #expect(check(["X-Sig": signature]) == .failure(.missing))
        #expect(check(["X-Sig": signature, "X-Sig-Timestamp": "\(seconds + 1)"]) == .failure(.badSignature),
                "the timestamp is part of what is signed")
        let bodyOnly = IntakeAuth.grafanaSignature(body: body, secret: "grafana-secret")
        #expect(check(["X-Sig": bodyOnly, "X-Sig-Timestamp": "\(seconds)"]) == .failure(.badSignature))

        let stale = Int64(now.timeIntervalSince1970) - 301
        let staleSignature = IntakeAuth.grafanaSignature(body: body, secret: "grafana-secret", timestamp: stale)
        #expect(check(["X-Sig": staleSignature, "X-Sig-Timestamp": "\(stale)"]) == .failure(.staleTimestamp))
        let ahead = Int64(now.timeIntervalSince1970) + 301
        #expect(check(["X-Sig": signature, "X-Sig-Timestamp": "\(ahead)"]) == .failure(.staleTimestamp))
        #expect(check(["X-Sig": signature, "X-Sig-Timestamp": "soon"]) == .failure(.staleTimestamp))
        let edge = Int64(now.timeIntervalSince1970) + 300
        let edgeSignature = IntakeAuth.grafanaSignature(body: body, secret: "grafana-secret", timestamp: edge)
        #expect(check(["X-Sig": edgeSignature, "X-Sig-Timestamp": "\(edge)"]) == .success(.grafanaSignature))
    }

    @Test func grafanaWithoutSecretUsesTheToken() {
        let tokenOnly = IntakeCredentials(token: "tok-123")
        #expect(IntakeAuth.check(source: .grafana, headers: ["Authorization": "Bearer tok-123"], body: body, now: now,
                                 credentials: tokenOnly) == .success(.bearer))
    }

    /// Tokens go through `ConstantTime.equal`, which hashes both sides first, so neither a shared prefix nor the
    /// length decides how much is compared.
    @Test func constantTimeComparison() {
        #expect(ConstantTime.equal(Data("tok-123".utf8), Data("tok-123".utf8)))
        #expect(!ConstantTime.equal(Data("tok-12".utf8), Data("tok-123".utf8)))
        #expect(!ConstantTime.equal(Data("tok-1234".utf8), Data("tok-123".utf8)))
        #expect(!ConstantTime.equal(Data(), Data("tok-123".utf8)))
        #expect(!ConstantTime.equal(Data("Xok-123".utf8), Data("tok-123".utf8)))
    }

    @Test func listenPolicy() throws {
        let loopback = try #require(ListenAddress.parse("127.0.0.1:9095"))
        #expect(loopback.isLoopback)
        let notices = try loopback.policy(tokenConfigured: false, tlsConfigured: false).get()
        #expect(notices.count == 1 && notices[0].contains("loopback"))
        #expect(try ListenAddress.parse("[::1]:9095")?.policy(tokenConfigured: false, tlsConfigured: false).get().count == 1)
        #expect(ListenAddress.parse("localhost:9095")?.isLoopback == true)

        let open = try #require(ListenAddress.parse("0.0.0.0:9095"))
        #expect(!open.isLoopback)
        #expect(open.policy(tokenConfigured: false, tlsConfigured: false) == .failure(ListenRefusal(address: open)))
        #expect(try open.policy(tokenConfigured: true, tlsConfigured: false).get().first?.contains("in clear") == true)
        #expect(try open.policy(tokenConfigured: true, tlsConfigured: true).get().isEmpty)
        #expect(ListenAddress.parse("[::]:9095")?.isLoopback == false)
        #expect(ListenAddress.parse("127.0.0.1.example:80")?.isLoopback == false)
    }

    @Test(arguments: ["9095", "host", "host:0", "host:70000", "::1:9095", "[::1]9095", ":9095"])
    func badListen(text: String) {
        #expect(ListenAddress.parse(text) == nil)
    }
}
