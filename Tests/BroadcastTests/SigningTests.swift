@testable import Broadcast
import Crypto
import Foundation
import IncidentCore
import Testing
import WarroomTestSupport

/// DingTalk and Feishu robots that require signed messages (加签): known answers, then real requests whose
/// signatures a receiver can check.
@Suite("Signed webhooks", .serialized)
struct SigningTests {
    static let at = Date(timeIntervalSince1970: 1_795_442_400)

    /// Values computed independently (Python's hmac and base64) for the secret SEC000test.
    @Test func signaturesMatchKnownAnswers() {
        #expect(WebhookSigning.dingtalk(secret: "SEC000test", at: Self.at)
                == .init(timestamp: "1795442400000", sign: "wjn6aMfKlPfnNeBbME4VyU5A48uUkziNYus12u8ceVw="))
        #expect(WebhookSigning.feishu(secret: "SEC000test", at: Self.at.addingTimeInterval(0.9))
                == .init(timestamp: "1795442400", sign: "zNWHQzzG9Pt4EdwdGkywZ/j/WO25TiXTU+dbYTn6O20="))
        let signed = WebhookSigning.signedURL("https://oapi.dingtalk.com/robot/send?access_token=T",
                                              .init(timestamp: "1795442400000", sign: "a+b/c="))
        #expect(signed == "https://oapi.dingtalk.com/robot/send?access_token=T&timestamp=1795442400000&sign=a%2Bb%2Fc%3D")
    }

    func channel(_ format: String, url: String, secret: String = "${ROBOT_SECRET}") -> String {
        """
        channels:
          - {name: robot, type: webhook, format: \(format), url: "\(url)", secret: "\(secret)", timeout: 2s}
        """
    }

    func hmac(_ message: String, key: String) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: Data(key.utf8)))).base64EncodedString()
    }

    @Test func aDingTalkRobotGetsATimestampAndSignatureInTheQuery() async throws {
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        let ws = try TestWorkspace()
        try ws.declare()
        let clock = ManualClock()
        let c = try config(channel("dingtalk", url: receiver.url + "?access_token=T0K"))
        _ = try await ws.send("signed update", config: c, clock: clock)
        let reports = try await withSender(ws, environment: ["ROBOT_SECRET": "SECabc"]) {
            await worker(ws, c, clock: clock, sender: $0).deliverDue()
        }
        #expect(reports.map(\.result) == [.delivered(detail: nil)])
        let request = try #require(receiver.requests.first)
        let query = try #require(URLComponents(string: "http://x" + request.path)?.queryItems)
        let timestamp = try #require(query.first { $0.name == "timestamp" }?.value)
        let sign = try #require(query.first { $0.name == "sign" }?.value)
        #expect(query.first { $0.name == "access_token" }?.value == "T0K")
        #expect(sign == hmac("\(timestamp)\nSECabc", key: "SECabc"))
        #expect(abs(Double(timestamp)! / 1000 - Date().timeIntervalSince1970) < 60, "signed just now")
        #expect(request.bodyText == #"{"msgtype":"text","text":{"content":"signed update"}}"#)
    }

    @Test func aFeishuRobotGetsThemInTheBody() async throws {
        let receiver = try LoopbackReceiver()
        defer { receiver.stop() }
        let ws = try TestWorkspace()
        try ws.declare()
        let clock = ManualClock()
        let c = try config(channel("feishu", url: receiver.url))
        _ = try await ws.send("signed update", config: c, clock: clock)
        let reports = try await withSender(ws, environment: ["ROBOT_SECRET": "SECabc"]) {
            await worker(ws, c, clock: clock, sender: $0).deliverDue()
        }
        #expect(reports.map(\.result) == [.delivered(detail: nil)])
        let request = try #require(receiver.requests.first)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        let timestamp = try #require(body["timestamp"] as? String)
        let sign = try #require(body["sign"] as? String)
        let key = SymmetricKey(data: Data("\(timestamp)\nSECabc".utf8))
        #expect(sign == Data(HMAC<SHA256>.authenticationCode(for: Data(), using: key)).base64EncodedString())
        #expect(body["msg_type"] as? String == "text")
        #expect((body["content"] as? [String: Any])?["text"] as? String == "signed update")
    }

    @Test func theSecretNeverShowsInAFailure() async throws {
        let receiver = try LoopbackReceiver { _, _ in .status(500, body: "no") }
        defer { receiver.stop() }
        let ws = try TestWorkspace()
        try ws.declare()
        let clock = ManualClock()
        let c = try config(channel("dingtalk", url: receiver.url))
        _ = try await ws.send("update", config: c, clock: clock)
        let reports = try await withSender(ws, environment: ["ROBOT_SECRET": "SECabc"]) {
            await worker(ws, c, clock: clock, sender: $0).deliverDue()
        }
        guard case .retry(let problem, _)? = reports.first?.result else {
            Issue.record("expected a retry: \(reports)")
            return
        }
        #expect(problem == "webhook 500")
        let timeline = try ws.store.events(of: "INC-1").map(\.payload.summary).joined(separator: "\n")
        #expect(!timeline.contains("SECabc") && !timeline.contains("sign="))
    }

    @Test(arguments: [
        ("slack", "${ROBOT_SECRET}", "warroom.yaml:2: secret signs dingtalk and feishu webhooks; slack messages are not signed"),
        ("dingtalk", "", "warroom.yaml:2: secret is empty (write secret: ${VARIABLE} to keep it out of the file)"),
        ("feishu", "${ROBOT", "warroom.yaml:2: secret: unclosed ${ (write ${NAME} to use the environment variable NAME)"),
    ])
    func misplacedOrMalformedSecretsAreRefused(format: String, secret: String, message: String) {
        let error = #expect(throws: ConfigError.self) {
            try WarroomConfig.parse(channel(format, url: "https://example.com/hook", secret: secret), path: "warroom.yaml")
        }
        #expect(error?.description == message)
    }
}
