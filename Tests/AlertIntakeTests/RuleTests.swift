import AlertIntake
import Foundation
import IncidentCore
import Testing
import Yams

/// Reads the `intake:` section of a whole warroom.yaml text, as WarroomConfig will.
private func intake(_ yaml: String) throws -> (IntakeConfig, [FileProblem]) {
    let root = try #require(try Yams.compose(yaml: yaml))
    let node = try #require(root.mapping?["intake"])
    return IntakeConfig.parse(node, path: "warroom.yaml")
}

struct RuleTests {
    @Test func defaultsAndSecrets() throws {
        let (config, problems) = try intake("""
            intake:
              token: ${WARROOM_INTAKE_TOKEN}
              grafana_secret: ${WARROOM_GRAFANA_SECRET}
            """)
        #expect(problems.isEmpty)
        #expect(config.listen == "127.0.0.1:9095")
        #expect(config.grafanaSignatureHeader == "X-Grafana-Alerting-Signature")
        #expect(config.grafanaTimestampHeader == nil)
        #expect(config.storeTimeout == .seconds(5))
        let token = try #require(config.token)
        #expect(token.variables == ["WARROOM_INTAKE_TOKEN"])
        #expect(token.resolve(["WARROOM_INTAKE_TOKEN": "s3cret"]) == .success("s3cret"))
        #expect(token.resolve([:]) == .failure(UnsetVariable(name: "WARROOM_INTAKE_TOKEN")))
        #expect(!"\(token)".contains("s3cret") && "\(token)" == "${WARROOM_INTAKE_TOKEN}")
    }

    @Test func everyKey() throws {
        let (config, problems) = try intake("""
            intake:
              listen: "[::1]:9100"
              grafana_signature_header: X-Signature
              grafana_timestamp_header: X-Timestamp
              store_timeout: 500ms
              tls: {cert: /etc/warroom/cert.pem, key: /etc/warroom/key.pem}
              rules: []
            """)
        #expect(problems.isEmpty)
        #expect(config.listen == "[::1]:9100" && config.grafanaSignatureHeader == "X-Signature")
        #expect(config.grafanaTimestampHeader == "X-Timestamp" && config.storeTimeout == .milliseconds(500))
        #expect(config.tlsCertificate == "/etc/warroom/cert.pem" && config.tlsKey == "/etc/warroom/key.pem")
    }

    static let rules = """
        intake:
          rules:
            - match: {severity: critical}
              match_re: {team: "storage|db"}
              declare: L1
              tags: [storage]
              page: [IC, storage]
            - matchers: ['severity="critical"', 'env!="dev"']
              declare: L2
            - matchers: ['team=~"stor"', 'x!~"y.*"']
              triage: L2
            - match: {severity: warning}
              triage: L3
        """

    @Test func firstMatchWins() throws {
        let (config, problems) = try intake(Self.rules)
        #expect(problems.isEmpty)
        let rules = config.rules
        #expect(rules.route(["severity": "critical", "team": "storage"])
            == .declare(severity: .l1, tags: ["storage"], page: ["ic", "storage"], ruleLine: 3))
        #expect(rules.route(["severity": "critical", "team": "web"]) == .declare(severity: .l2, tags: [], page: [], ruleLine: 8))
        #expect(rules.route(["severity": "warning"]) == .triage(severity: .l3, ruleLine: 12))
        #expect(rules.route(["severity": "info"]) == .unmatched)
    }

    @Test func regexesAreFullyAnchored() throws {
        let rules = try intake(Self.rules).0.rules
        #expect(rules.route(["team": "storage"]) == .unmatched, #"team=~"stor" must not match storage"#)
        #expect(rules.route(["team": "stor"]) == .triage(severity: .l2, ruleLine: 10))
        #expect(rules.route(["severity": "critical", "team": "storage-east"]) == .declare(severity: .l2, tags: [], page: [], ruleLine: 8),
                "match_re storage|db is anchored as ^(?:storage|db)$, so it does not match storage-east")
        #expect(rules.route(["severity": "critical", "team": "db"]) == .declare(severity: .l1, tags: ["storage"], page: ["ic", "storage"], ruleLine: 3))
    }

    @Test func negativeOperators() throws {
        let rules = try intake(Self.rules).0.rules
        #expect(rules.route(["severity": "critical", "env": "dev", "team": "web"]) == .unmatched, #"env!="dev""#)
        #expect(rules.route(["severity": "critical", "team": "web"]) != .unmatched, "a missing label is not dev")
        #expect(rules.route(["team": "stor", "x": "yes"]) == .unmatched, #"x!~"y.*""#)
        #expect(rules.route(["team": "stor", "x": "ay"]) == .triage(severity: .l2, ruleLine: 10), "!~ is anchored too")
    }

    @Test(arguments: [
        (#"severity="critical""#, "severity", LabelMatcher.Operator.equal, "critical"),
        (#"team =~ "storage|db""#, "team", .matchesRegex, "storage|db"),
        (#"env!=dev"#, "env", .notEqual, "dev"),
        (#"x!="a\"b\\c""#, "x", .notEqual, #"a"b\c"#),
        (#"empty="""#, "empty", .equal, ""),
    ])
    func matcherSyntax(text: String, name: String, op: LabelMatcher.Operator, value: String) throws {
        let (matcher, problem) = LabelMatcher.parse(text)
        #expect(problem == nil)
        let m = try #require(matcher)
        #expect(m.name == name && m.op == op && m.value == value)
    }

    @Test func missingLabelIsEmpty() throws {
        let m = try #require(LabelMatcher.parse(#"team=~"""#).0)
        #expect(m.matches([:]))
        #expect(!m.matches(["team": "db"]))
    }

    @Test func badRulesAtTheirLines() throws {
        let (config, problems) = try intake("""
            intake:
              rules:
                - match: {severity: critical}
                  declare: L1
                - match_re: {team: "stor("}
                  declare: L2
                - match: {severity: warning}
                  declare: L2
                  triage: L3
                - match: {severity: info}
                - matchers: ['severity critical']
                  triage: L4
                - match: {a: b}
                  declare: L9
                  colour: red
                - match: {a: b}
                  triage: L3
                  page: [ic]
              store_timeout: soon
              bogus: 1
            """)
        let lines = problems.map(\.line)
        #expect(lines == [5, 7, 10, 11, 14, 15, 18, 19, 20], "\(problems)")
        #expect(problems.allSatisfy { $0.description.hasPrefix("warroom.yaml:\($0.line): ") })
        #expect(problems[0].message.contains("not a valid regular expression"))
        #expect(problems[1].message.contains("not both"))
        #expect(problems[2].message.contains("needs declare"))
        #expect(problems[3].message.contains("needs an operator"))
        #expect(problems[4].message.contains("severity"))
        #expect(problems[5].message.contains(#"unknown key "colour""#))
        #expect(problems[6].message.contains("page belongs to a declare rule"))
        #expect(config.rules.rules.count == 1, "only the good rule is kept")
    }

    @Test func badSettings() throws {
        let (_, problems) = try intake("""
            intake:
              listen: everywhere
              token: ${NOT-A-NAME}
              grafana_signature_header: "X Signature"
              tls: {cert: a.pem}
            """)
        #expect(problems.map(\.line) == [2, 3, 4, 5])
        #expect(problems[1].message.contains("not an environment variable name"))
        #expect(problems[3].message.contains("both cert and key"))
    }
}
