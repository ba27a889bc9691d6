/// The shipped example contacts file (`contacts.example.yaml` at the repository root, kept identical by a test):
/// `warroom demo` writes it into the demo workspace.
public enum ContactsExample {
    public static let yaml = """
    # Warroom escalation contacts. Copy to WORKSPACE/contacts.yaml and check it with `warroom contacts lint`.
    #
    # people, teams, vendors: who can be paged, keyed by an id (lowercase letters, digits, dashes).
    #   people and teams: name, role (what they do), phone, email, chat, timezone (IANA name), webhook (a warroom.yaml channel)
    #   vendors (support desks): name, phone (the contract line), contract, ticket_url, email, chat, timezone
    # roles: each role's escalation ladder, climbed when an acknowledgement runs out:
    #   primary, then secondary, then manager (people or teams), then vendor (a vendor id)
    # policies: for each severity, the roles that must be engaged and how long a page may wait
    #   for its acknowledgement (ack_timeout: 5m, 90s, 1h; default 5m)

    people:
      maria:
        name: Maria Okafor
        role: SRE lead, incident commander
        phone: "+1 415 555 0101"
        email: maria.okafor@example.com
        chat: "@maria"
        timezone: America/Los_Angeles
      tomas:
        name: Tomás Novák
        role: Principal engineer, storage platform
        phone: "+420 2 5550 1002"
        email: tomas.novak@example.com
        chat: "@tomas"
        timezone: Europe/Prague
      sam:
        name: Sam Lindqvist
        role: Storage engineer
        phone: "+46 8 555 010 22"
        email: sam.lindqvist@example.com
        chat: "@sam"
        timezone: Europe/Stockholm
      priya:
        name: Priya Raman
        role: Storage engineer
        phone: "+91 80 5550 1003"
        email: priya.raman@example.com
        chat: "@priya"
        timezone: Asia/Kolkata
      chen:
        name: Chen Wei
        role: Communications lead
        phone: "+86 10 5550 1004"
        email: chen.wei@example.com
        chat: "@chen"
        timezone: Asia/Shanghai
      jordan:
        name: Jordan Blake
        role: Support operations, backup communications
        phone: "+1 312 555 0105"
        email: jordan.blake@example.com
        chat: "@jordan"
        timezone: America/Chicago
      lee:
        name: Lee Adeyemi
        role: Engineering manager, infrastructure
        phone: "+44 20 5550 1006"
        email: lee.adeyemi@example.com
        chat: "@lee"
        timezone: Europe/London
      ana:
        name: Ana Ruiz
        role: VP Engineering
        phone: "+1 646 555 0107"
        email: ana.ruiz@example.com
        chat: "@ana"
        timezone: America/New_York
      kofi:
        name: Kofi Mensah
        role: Payments tech lead
        phone: "+233 30 555 0108"
        email: kofi.mensah@example.com
        chat: "@kofi"
        timezone: Africa/Accra

    teams:
      sre-oncall:
        name: SRE on-call
        role: Site reliability rotation
        phone: "+1 415 555 0190"
        email: sre-oncall@example.com
        chat: "#sre-oncall"
      storage-oncall:
        name: Storage on-call
        role: Storage platform rotation
        phone: "+46 8 555 010 90"
        email: storage-oncall@example.com
        chat: "#storage-oncall"
        webhook: storage-pager

    vendors:
      acme-storage:
        name: Acme Storage support
        phone: "+1 800 555 0199"
        contract: AS-2291-GOLD
        ticket_url: https://support.acme-storage.example/tickets/new
        email: support@acme-storage.example
        timezone: America/Chicago

    roles:
      ic:
        name: incident commander
        primary: maria
        secondary: sre-oncall
        manager: lee
      tech-lead:
        name: tech lead
        primary: tomas
        secondary: sam
        manager: lee
      comms:
        name: communications lead
        primary: chen
        secondary: jordan
        manager: ana
      exec:
        name: executive on duty
        primary: ana
        secondary: lee
      storage:
        name: storage owners
        primary: sam
        secondary: storage-oncall
        manager: lee
        vendor: acme-storage
      # Roles the shipped drill scenarios page (Runbooks/drills/): unanswered: dba on-call, and so on.
      dba:
        name: database on-call
        primary: priya
        secondary: tomas
        manager: lee
      network:
        name: network on-call
        primary: sre-oncall
        secondary: tomas
        manager: lee
      hardware:
        name: hardware and datacentre
        primary: storage-oncall
        secondary: sam
        manager: lee
        vendor: acme-storage
      payments:
        name: payments tech lead
        primary: kofi
        secondary: tomas
        manager: lee
      vendor-liaison:
        name: vendor liaison
        primary: lee
        secondary: ana
        vendor: acme-storage

    policies:
      L1:
        engage: [ic, tech-lead, comms, exec]
        ack_timeout: 5m
      L2:
        engage: [ic, tech-lead, comms]
        ack_timeout: 5m
      L3:
        engage: [storage]
        ack_timeout: 15m
      L4:
        engage: []
    """ + "\n"
}
