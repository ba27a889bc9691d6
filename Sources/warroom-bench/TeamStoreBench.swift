import ChildProcess
import Foundation
import IncidentCore
import PostgresNIO
import PostgresStore
import StoreKit

/// The PostgreSQL team store's figures, on the server in `$WARROOM_BENCH_POSTGRES_URL`: append latency and
/// concurrent throughput against bare postgres-nio clients writing the same rows, opening and folding a
/// 100,000-event incident, and how soon a commit in one process is seen by a follower in another.
enum TeamStoreBench {
    static let sections = [
        BenchSection(
            name: "teamstore", title: "PostgreSQL team store: append and throughput vs bare postgres-nio, fold, live propagation",
            run: run),
    ]

    static let urlVariable = "WARROOM_BENCH_POSTGRES_URL"
    static let appendCount = 1_000
    static let writers = 8
    static let appendsPerWriter = 1_000
    static let oneIncidentAppendsPerWriter = 250
    static let foldEvents = 100_000
    static let liveNotes = 200
    /// How long the follower process may live, whatever happens to the bench.
    static let followerLimitSeconds: UInt32 = 60

    static func run() async throws -> [Figure] {
        guard let url = ProcessInfo.processInfo.environment[urlVariable], !url.isEmpty else {
            throw BenchError(
                "\(urlVariable) is not set: run scripts/bench-team-store, which starts a throwaway PostgreSQL for it, "
                    + "or set it to a server's URL (postgres://user@host:port/db)")
        }
        let directory = try scratchDirectory("teamstore")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try Server(url: url, directory: directory)
        do {
            var figures = try await serverFigures(server)
            figures += try await appendLatency(server)
            figures += try await differentIncidents(server)
            figures += try await oneIncident(server)
            figures += try await fold(server)
            figures += try await livePropagation(server)
            await server.closeAll()
            return figures
        } catch {
            await server.closeAll()
            throw error
        }
    }

    // MARK: - The server

    /// What the other figures depend on: the server, its round trip, and whether commits wait for the disk.
    static func serverFigures(_ server: Server) async throws -> [Figure] {
        let connection = try await server.connect()
        let row = try await connection.query(
            "SELECT current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit')",
            logger: Server.logger
        ).collect().first
        guard let settings = try row?.decode((String, String, String).self) else {
            throw BenchError("the server did not say its settings")
        }
        var roundTrips = Samples(capacity: 200)
        for _ in 0..<200 {
            roundTrips.record(try await milliseconds { try await connection.query("SELECT 1", logger: Server.logger).collect() }.1)
        }
        return [
            Figure("server round trip (SELECT 1), median", roundTrips.percentile(50), "ms",
                   detail: "PostgreSQL \(settings.0), fsync \(settings.1), synchronous_commit \(settings.2)"),
        ]
    }

    // MARK: - Append latency

    static func appendLatency(_ server: Server) async throws -> [Figure] {
        let workspace = Server.freshWorkspace("append")
        let store = try await server.open(workspace)
        let incident = try await declare(store, "append bench")
        let bare = try await server.connect()

        for n in 0..<100 {
            _ = try await appendNote(store, to: incident, "warm-up note \(n)")
            try await bareInsert(bare, workspace: workspace + "_bare", incident: "BARE-1", "warm-up note \(n)")
        }
        // Interleaved, so a noisy neighbour on the shared machine hits both sides alike.
        var storeSamples = Samples(capacity: appendCount), bareSamples = Samples(capacity: appendCount)
        for n in 0..<appendCount {
            storeSamples.record(try await milliseconds { try await appendNote(store, to: incident, "bench note \(n)") }.1)
            bareSamples.record(try await milliseconds {
                try await bareInsert(bare, workspace: workspace + "_bare", incident: "BARE-1", "bench note \(n)")
            }.1)
        }
        let ratio = storeSamples.mean / bareSamples.mean
        return [
            Figure("PostgresStore.append (one note), mean", storeSamples.mean, "ms", detail: storeSamples.summary),
            Figure("bare BEGIN; INSERT; COMMIT (same row), mean", bareSamples.mean, "ms", detail: bareSamples.summary),
            Figure("ratio store / bare (mean)", ratio, "×", target: .atMost(1.5),
                   detail: "p50 ratio \(Figure.format(storeSamples.percentile(50) / bareSamples.percentile(50)))×, "
                       + "p99 ratio \(Figure.format(storeSamples.percentile(99) / bareSamples.percentile(99)))×"),
        ]
    }

    // MARK: - Throughput

    /// Eight store instances (eight connections) each appending to an incident of its own, against eight bare
    /// clients inserting at once.
    static func differentIncidents(_ server: Server) async throws -> [Figure] {
        let workspace = Server.freshWorkspace("writers")
        var openedStores: [any WarroomStore] = [], declared: [IncidentID] = [], connected: [PostgresConnection] = []
        for writer in 0..<writers {
            let store = try await server.open(workspace)
            openedStores.append(store)
            declared.append(try await declare(store, "writer \(writer)"))
            connected.append(try await server.connect())
        }
        let stores = openedStores, incidents = declared, bare = connected
        let perRound = appendsPerWriter / 2
        var storeSeconds = 0.0, bareSeconds = 0.0
        // Two rounds each, alternating, so the table's growth and the machine's other load fall on both sides.
        for round in 0..<2 {
            storeSeconds += try await seconds {
                try await concurrently(writers) { writer in
                    for n in 0..<perRound {
                        _ = try await appendNote(stores[writer], to: incidents[writer], "round \(round) note \(n)")
                    }
                }
            }
            bareSeconds += try await seconds {
                try await concurrently(writers) { writer in
                    for n in 0..<perRound {
                        try await bareInsert(bare[writer], workspace: workspace + "_bare", incident: "BARE-\(writer)",
                                             "round \(round) note \(n)")
                    }
                }
            }
        }
        let total = Double(writers * perRound * 2)
        let storeRate = total / storeSeconds, bareRate = total / bareSeconds
        return [
            Figure("\(writers) stores on \(writers) incidents (\(perRound * 2) appends each)", storeRate, "/s"),
            Figure("\(writers) bare clients at once (\(perRound * 2) inserts each)", bareRate, "/s"),
            Figure("ratio store / bare (\(writers) incidents)", storeRate / bareRate, "×", target: .atLeast(0.7)),
        ]
    }

    /// Eight store instances appending to one incident, whose appends the store serialises, against a single
    /// bare client: the most one incident could take if its writers queued perfectly.
    static func oneIncident(_ server: Server) async throws -> [Figure] {
        let workspace = Server.freshWorkspace("incident")
        var opened: [any WarroomStore] = []
        for _ in 0..<writers { opened.append(try await server.open(workspace)) }
        let stores = opened
        let incident = try await declare(stores[0], "one busy incident")
        let bare = try await server.connect()

        let perRound = oneIncidentAppendsPerWriter / 2
        var storeSeconds = 0.0, bareSeconds = 0.0
        for round in 0..<2 {
            storeSeconds += try await seconds {
                try await concurrently(writers) { writer in
                    for n in 0..<perRound {
                        _ = try await appendNote(stores[writer], to: incident, "writer \(writer) round \(round) note \(n)")
                    }
                }
            }
            bareSeconds += try await seconds {
                for n in 0..<(writers * perRound) {
                    try await bareInsert(bare, workspace: workspace + "_bare", incident: "BARE-1", "round \(round) note \(n)")
                }
            }
        }
        let total = Double(writers * perRound * 2)
        let storeRate = total / storeSeconds, bareRate = total / bareSeconds
        guard try await stores[0].events(of: incident).count == Int(total) + 1 else {
            throw BenchError("the busy incident does not hold the \(Int(total)) notes appended to it")
        }
        return [
            Figure("\(writers) stores on one incident (\(perRound * 2) appends each)", storeRate, "/s"),
            Figure("one bare client (\(Int(total)) inserts)", bareRate, "/s"),
            Figure("ratio store / bare (one incident)", storeRate / bareRate, "×", target: .atLeast(0.7)),
        ]
    }

    // MARK: - Fold

    static func fold(_ server: Server) async throws -> [Figure] {
        let workspace = Server.freshWorkspace("fold")
        let (incident, setupMilliseconds) = try await milliseconds { try await makeLongIncident(server, workspace) }

        // Each run opens a fresh instance, so nothing is cached.
        var openAndFold = Samples(), eventsAndFold = Samples()
        var folded: IncidentState?
        for _ in 0..<5 {
            let ((store, states), ms) = try await milliseconds {
                let store = try await server.location(workspace).open(create: true, listen: false)
                return (store, try await store.incidents())
            }
            await store.close()
            openAndFold.record(ms)
            folded = states.first
        }
        for _ in 0..<3 {
            let ((store, _), ms) = try await milliseconds {
                let store = try await server.location(workspace).open(create: true, listen: false)
                return (store, IncidentState.fold(try await store.events(of: incident)))
            }
            await store.close()
            eventsAndFold.record(ms)
        }
        guard let folded, folded.eventCount == foldEvents, folded.lifecycle == .monitoring else {
            throw BenchError("the fold came out wrong: \(String(describing: folded?.eventCount)) events")
        }

        // The first append on a new instance folds the whole incident; later ones only what others added since.
        let store = try await server.open(workspace)
        let firstAppend = try await milliseconds { try await appendNote(store, to: incident, "late note 0") }.1
        var cachedAppends = Samples(capacity: 200)
        for n in 1...200 {
            cachedAppends.record(try await milliseconds { try await appendNote(store, to: incident, "late note \(n)") }.1)
        }
        return [
            Figure("setup: declare, then bulk-insert \(foldEvents - 1) rows", setupMilliseconds, "ms"),
            Figure("open + incidents() on a fresh instance, median", openAndFold.percentile(50), "ms",
                   target: .atMost(500), detail: "best \(Figure.format(openAndFold.values.min() ?? 0)) ms of 5"),
            Figure("open + events(of:) + IncidentState.fold, median", eventsAndFold.percentile(50), "ms",
                   detail: "best \(Figure.format(eventsAndFold.values.min() ?? 0)) ms of 3"),
            Figure("first append on a fresh instance (folds 100k)", firstAppend, "ms"),
            Figure("later appends to the 100k incident (cached), mean", cachedAppends.mean, "ms", detail: cachedAppends.summary),
        ]
    }

    /// Declares through the store, then inserts the rest straight into `events`, a thousand rows a statement in
    /// one transaction, with the columns a real append writes (`EventPayload.columns`): 100,000 appends would
    /// take minutes and measure nothing new.
    private static func makeLongIncident(_ server: Server, _ workspace: String) async throws -> IncidentID {
        let start = Date().addingTimeInterval(-Double(foldEvents) - 3600)
        let incident = try await server.open(workspace).declare(EventDraft(
            occurredAt: start, recordedAt: start, actor: "ic",
            payload: .declared(Declaration(title: "storage tier lost", severity: .l2, impact: "uploads fail")))).incident
        let connection = try await server.connect()
        // Ids taken from the store's sequence up front, so that a correction can name the entry it corrects.
        let ids = try await connection.query(
            "SELECT nextval('warroom_event_ids') FROM generate_series(1, \(foldEvents - 1))", logger: Server.logger
        ).collect().map { try $0.decode(Int64.self) }
        let columnsPerRow = 13, rowsPerStatement = 1_000
        try await connection.query("BEGIN", logger: Server.logger)
        for batch in stride(from: 1, to: foldEvents, by: rowsPerStatement) {
            let rows = batch..<min(batch + rowsPerStatement, foldEvents)
            var binds = PostgresBindings(capacity: rows.count * columnsPerRow)
            var placeholders: [String] = []
            for n in rows {
                let payload = longIncidentPayload(n, ids: ids)
                let c = payload.columns
                let at = wholeMilliseconds(start.addingTimeInterval(Double(n)))
                binds.append(ids[n - 1])
                binds.append(workspace)
                binds.append(incident)
                binds.append(c.kind)
                binds.append(at)
                binds.append(at)
                binds.append("scribe")
                binds.append(c.text)
                binds.append(c.value)
                binds.append(c.prior)
                binds.append(c.reason)
                binds.append(c.ref)
                binds.append(c.extra)
                let first = placeholders.count * columnsPerRow
                placeholders.append("(" + (1...columnsPerRow).map { "$\(first + $0)" }.joined(separator: ", ") + ")")
            }
            try await connection.query(PostgresQuery(unsafeSQL: """
                INSERT INTO events (id, workspace, incident, kind, occurred_at, recorded_at, actor, text, value, prior, reason,
                                    ref, extra)
                VALUES \(placeholders.joined(separator: ", "))
                """, binds: binds), logger: Server.logger)
        }
        try await connection.query("COMMIT", logger: Server.logger)
        return incident
    }

    /// The same realistic mix as the SQLite fold: mostly notes, with decisions, actions, roles, broadcasts,
    /// corrections and the lifecycle. `ids[n - 1]` is entry `n`'s id.
    private static func longIncidentPayload(_ n: Int, ids: [Int64]) -> EventPayload {
        let milestones: [Int: EventPayload] = [
            10: .stateChanged(from: .declared, to: .investigating, reason: nil, override: nil),
            500: .severityChanged(from: .l2, to: .l1, reason: "backups affected"),
            20_000: .stateChanged(from: .investigating, to: .identified, reason: "ops tool bug", override: nil),
            40_000: .stateChanged(from: .identified, to: .mitigating, reason: "restore from backup", override: nil),
            90_000: .stateChanged(from: .mitigating, to: .monitoring, reason: nil, override: nil),
        ]
        if let milestone = milestones[n] { return milestone }
        if n % 997 == 0 { return .roleAssigned(role: "scribe", holder: "scribe-\(n % 7)") }
        if n % 300 == 0 { return .statusUpdateSent(message: "update \(n): restoring storage, next update in 15 minutes") }
        if n % 101 == 0 { return .correction(of: ids[n - 51], text: "corrected entry \(n - 50)") }
        if n % 53 == 0 { return .decision("decision \(n): keep the restore going") }
        if n % 29 == 0 { return .actionItem("action \(n): audit the ops tool") }
        return .note("note \(n): storage node \(n % 40) restore at \(n % 100)%")
    }

    // MARK: - Live propagation

    /// A note appended here, in process A, against the moment a follower in process B (this binary again, in
    /// `--follow` mode, as a console would: LISTEN signals plus a fallback poll) reads it. Both take the wall clock,
    /// which the two processes share.
    static func livePropagation(_ server: Server) async throws -> [Figure] {
        let workspace = Server.freshWorkspace("live")
        let store = try await server.open(workspace)
        let incident = try await declare(store, "live propagation")
        guard let executable = Bundle.main.executablePath else { throw BenchError("cannot tell where this program is") }
        let arrivals = server.directory.appendingPathComponent("arrivals.txt").path
        let log = server.directory.appendingPathComponent("follower.log").path
        let follower = Follower(executable, ["--follow", server.url, workspace, arrivals, String(liveNotes)], output: log)

        func failure(_ problem: String) -> BenchError {
            let output = (try? String(contentsOfFile: log, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            return BenchError("the follower \(problem)" + (output.isEmpty ? "" : ": \(output)"))
        }
        while !((try? String(contentsOfFile: arrivals, encoding: .utf8))?.hasPrefix("ready\n") ?? false) {
            if follower.hasExited { throw failure("exited with status \(try await follower.exit()) before it was ready") }
            try await Task.sleep(for: .milliseconds(10))
        }

        var committed: [EventID: Int64] = [:]
        for n in 0..<liveNotes {
            let event = try await appendNote(store, to: incident, "live note \(n)")
            committed[event.id] = wallNanoseconds()
            try await Task.sleep(for: .milliseconds(20))
        }
        let status = try await follower.exit()

        var latencies = Samples(capacity: liveNotes)
        let lines = try String(contentsOfFile: arrivals, encoding: .utf8).split(separator: "\n").dropFirst()
        for line in lines {
            let fields = line.split(separator: " ")
            guard fields.count == 2, let id = EventID(fields[0]), let arrived = Int64(fields[1]) else {
                throw failure("wrote a line the bench cannot read: \(line)")
            }
            guard let commit = committed[id] else { throw failure("reported event \(id), which the bench did not append") }
            latencies.record(Double(arrived - commit) / 1e6)
        }
        guard status == 0, latencies.values.count == liveNotes else {
            let why = status == 128 + SIGALRM ? "was stopped after \(followerLimitSeconds) s" : "exited with status \(status)"
            throw failure("\(why) having seen \(latencies.values.count) of \(liveNotes) notes")
        }
        return [
            Figure("commit in A → read in B (separate process), p50", latencies.percentile(50), "ms", target: .atMost(50),
                   detail: "mean \(Figure.format(latencies.mean)) ms, max \(Figure.format(latencies.values.max() ?? 0)) ms, "
                       + "n=\(latencies.values.count)"),
            Figure("commit in A → read in B (separate process), p99", latencies.percentile(99), "ms", target: .atMost(250)),
        ]
    }

    /// `warroom-bench --follow URL WORKSPACE OUTFILE COUNT`: the live-propagation figure's process B. Follows the
    /// workspace as a console does and writes `ready`, then `id wall-clock-nanoseconds` for each event it reads,
    /// to OUTFILE; exits once it has read COUNT events. Returns the exit status.
    static func follow(_ arguments: [String]) async -> Int32 {
        // The kernel ends this process even if the bench that started it is gone or stuck.
        alarm(followerLimitSeconds)
        guard arguments.count == 4, let count = Int(arguments[3]) else {
            print("usage: warroom-bench --follow URL WORKSPACE OUTFILE COUNT")
            return 2
        }
        do {
            let location = try StoreLocation.resolve(
                url: arguments[0], workspace: arguments[1], configuredURL: nil, configuredWorkspace: nil, listenURL: nil,
                directory: FileManager.default.temporaryDirectory)
            let store = try await location.open(create: false, listen: true)
            guard let signals = store.changeSignals() else { throw BenchError("the team store offers no change signals") }
            var cursor = LogCursor.start
            while true {
                let page = try await store.events(after: cursor, limit: 1_000)
                cursor = page.cursor
                if !page.hasMore { break }
            }
            guard FileManager.default.createFile(atPath: arguments[2], contents: Data("ready\n".utf8)),
                  let output = FileHandle(forWritingAtPath: arguments[2])
            else { throw BenchError("cannot write \(arguments[2])") }
            try output.seekToEnd()

            let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
            let pushed = Task {
                for await _ in signals { wake.yield() }
            }
            // The console's fallback poll, so a lost notification costs here what it costs a console.
            let polled = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(250))
                    wake.yield()
                }
            }
            var seen = 0
            for await _ in wakes {
                var more = true
                while more {
                    let page = try await store.events(after: cursor, limit: 1_000)
                    let now = wallNanoseconds()
                    cursor = page.cursor
                    more = page.hasMore
                    output.write(Data(page.events.map { "\($0.id) \(now)\n" }.joined().utf8))
                    seen += page.events.count
                }
                if seen >= count { break }
            }
            pushed.cancel()
            polled.cancel()
            try output.close()
            await store.close()
            return 0
        } catch {
            print("follower: \(error)")
            return 1
        }
    }

    // MARK: - Helpers

    private static func declare(_ store: any WarroomStore, _ title: String) async throws -> IncidentID {
        let now = Date()
        return try await store.declare(EventDraft(
            occurredAt: now, recordedAt: now, actor: "bench", payload: .declared(Declaration(title: title, severity: .l2)))).incident
    }

    private static func appendNote(_ store: any WarroomStore, to incident: IncidentID, _ text: String) async throws -> Event {
        let events = try await store.append(to: incident) { state in
            let now = Date()
            return [EventDraft(occurredAt: now, recordedAt: now, actor: "bench",
                               payload: try state.decide(.note(text), at: now, now: now))]
        }
        guard let event = events.first else { throw BenchError("an append returned no event") }
        return event
    }

    /// The row `PostgresStore.append` inserts for a note (every column, the id and `xid` left to their defaults,
    /// the id read back), in a transaction of its own: what the store's append costs without the store.
    private static func bareInsert(_ connection: PostgresConnection, workspace: String, incident: String, _ text: String)
        async throws
    {
        let c = EventPayload.note(text).columns
        let now = wholeMilliseconds(Date())
        let clientID: String? = nil
        try await connection.query("BEGIN", logger: Server.logger)
        let id = try await connection.query("""
            INSERT INTO events (workspace, incident, kind, occurred_at, recorded_at, actor, text, value, prior, reason, ref,
                                extra, client_id)
            VALUES (\(workspace), \(incident), \(c.kind), \(now), \(now), \("bench"), \(c.text), \(c.value), \(c.prior),
                    \(c.reason), \(c.ref), \(c.extra), \(clientID))
            RETURNING id
            """, logger: Server.logger).collect().first?.decode(Int64.self)
        guard id != nil else { throw BenchError("a bare insert returned no id") }
        try await connection.query("COMMIT", logger: Server.logger)
    }

    /// Runs `body(0)` … `body(count - 1)` at once; returns when all have finished, or throws the first error.
    private static func concurrently(_ count: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count { group.addTask { try await body(index) } }
            try await group.waitForAll()
        }
    }

    private static func seconds(_ body: () async throws -> Void) async rethrows -> Double {
        try await milliseconds(body).1 / 1000
    }

    /// The store's time columns: whole milliseconds, rounded down.
    private static func wholeMilliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// CLOCK_REALTIME, which every process on the machine reads alike.
    private static func wallNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}

extension TeamStoreBench {
    /// The server the section measures: opens team stores in workspaces of their own and bare connections that reach
    /// it as the store does, and closes them all at the end. The section uses it from one task at a time.
    final class Server: @unchecked Sendable {
        static let logger: Logger = {
            var logger = Logger(label: "warroom-bench.postgres")
            logger.logLevel = .critical
            return logger
        }()

        let url: String
        let directory: URL
        private let configuration: PostgresConnection.Configuration
        private var stores: [any WarroomStore] = []
        private var connections: [PostgresConnection] = []
        private var initialized = false

        init(url: String, directory: URL) throws {
            self.url = url
            self.directory = directory
            configuration = try Self.bareConfiguration(url: url)
        }

        /// A workspace no earlier run used: events are permanent, and each figure must see only its own.
        static func freshWorkspace(_ purpose: String) -> String {
            "bench_\(purpose)_\(UUID().uuidString.prefix(8).lowercased())"
        }

        func location(_ workspace: String) throws -> StoreLocation {
            try StoreLocation.resolve(
                url: url, workspace: workspace, configuredURL: nil, configuredWorkspace: nil, listenURL: nil, directory: directory)
        }

        /// A new store instance (its own connection) on `workspace`, closed by `closeAll`; the schema is created first.
        func open(_ workspace: String) async throws -> any WarroomStore {
            let location = try location(workspace)
            if !initialized {
                _ = try await location.initialize()
                initialized = true
            }
            let store = try await location.open(create: true, listen: false)
            stores.append(store)
            return store
        }

        func connect() async throws -> PostgresConnection {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: connections.count, logger: Self.logger)
            connections.append(connection)
            return connection
        }

        func closeAll() async {
            for store in stores { await store.close() }
            for connection in connections { try? await connection.close() }
            stores = []
            connections = []
        }

        /// The store's host, port, user, database and TLS mode, for postgres-nio directly. The password comes from the
        /// URL or PGPASSWORD (not ~/.pgpass, which the store also reads); certificates go unverified, which changes
        /// nothing a benchmark measures.
        private static func bareConfiguration(url: String) throws -> PostgresConnection.Configuration {
            let endpoint = try PostgresLocation(url: url).server
            let password = URLComponents(string: url)?.password ?? ProcessInfo.processInfo.environment["PGPASSWORD"]
            let tls: PostgresConnection.Configuration.TLS
            switch endpoint.sslMode {
            case .disable:
                tls = .disable
            case .allow, .prefer, .require, .verifyCA, .verifyFull:
                var settings = TLSConfiguration.makeClientConfiguration()
                settings.certificateVerification = .none
                let context = try NIOSSLContext(configuration: settings)
                tls = endpoint.sslMode == .allow || endpoint.sslMode == .prefer ? .prefer(context) : .require(context)
            }
            var configuration = PostgresConnection.Configuration(
                host: endpoint.host, port: endpoint.port, username: endpoint.user, password: password, database: endpoint.database,
                tls: tls)
            configuration.options.additionalStartupParameters = [("application_name", "warroom-bench (bare)")]
            return configuration
        }
    }

    /// The follower process, run to its exit on a dispatch thread: waiting for a child blocks a thread, and the
    /// cooperative pool's few must stay free for the bench's own work.
    final class Follower: @unchecked Sendable {
        private let lock = NSLock()
        private var status: Result<Int32, any Error>?
        private var waiting: CheckedContinuation<Int32, any Error>?

        init(_ path: String, _ arguments: [String], output: String) {
            let environment = ProcessInfo.processInfo.environment
            DispatchQueue.global().async {
                self.finish(Result { try ChildProcess.run(path, arguments, environment: environment, output: output) })
            }
        }

        var hasExited: Bool { lock.withLock { status != nil } }

        /// Waits for the process to exit and returns its status; throws when it could not be started.
        func exit() async throws -> Int32 {
            try await withCheckedThrowingContinuation { continuation in
                let done = lock.withLock { () -> Result<Int32, any Error>? in
                    if status == nil { waiting = continuation }
                    return status
                }
                if let done { continuation.resume(with: done) }
            }
        }

        private func finish(_ result: Result<Int32, any Error>) {
            let continuation = lock.withLock { () -> CheckedContinuation<Int32, any Error>? in
                status = result
                defer { waiting = nil }
                return waiting
            }
            continuation?.resume(with: result)
        }
    }
}
