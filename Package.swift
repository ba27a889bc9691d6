// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Warroom",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "warroom", targets: ["warroom"]),
        .executable(name: "warroom-bench", targets: ["warroom-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        .target(name: "IncidentCore"),
        .target(name: "CFileSystem"),
        .target(
            name: "IncidentStore",
            dependencies: ["IncidentCore", "CFileSystem", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(
            name: "PostgresStore",
            dependencies: ["IncidentCore", .product(name: "PostgresNIO", package: "postgres-nio")]
        ),
        .target(
            name: "StoreKit",
            dependencies: ["IncidentCore", "IncidentStore", "PostgresStore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(name: "YAMLDiagnostics", dependencies: ["IncidentCore", "Yams"]),
        .target(name: "RunbookKit", dependencies: ["IncidentCore", "YAMLDiagnostics", "Yams"]),
        .target(name: "ContactsKit", dependencies: ["IncidentCore", "YAMLDiagnostics", "Yams"]),
        .target(
            name: "Broadcast",
            dependencies: [
                "IncidentCore", "YAMLDiagnostics", "Yams", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(name: "Postmortem", dependencies: ["IncidentCore", .product(name: "Mustache", package: "swift-mustache")]),
        .target(name: "Console", dependencies: ["IncidentCore"]),
        .target(name: "AlertIntake", dependencies: ["IncidentCore", "YAMLDiagnostics", "Yams", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Drills", dependencies: ["IncidentCore", "Broadcast", "Postmortem"]),
        .systemLibrary(name: "CNcursesw", pkgConfig: "ncursesw", providers: [.apt(["libncursesw5-dev"])]),
        .target(name: "Terminal", dependencies: ["CNcursesw", "Console"]),
        .target(name: "ChildProcess"),
        .executableTarget(
            name: "warroom",
            dependencies: [
                "IncidentCore", "StoreKit", "RunbookKit", "ContactsKit", "Broadcast", "Postmortem", "Console", "Terminal",
                "Drills", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "warroom-bench",
            dependencies: [
                "IncidentCore", "IncidentStore", "Console", "Terminal", "Postmortem", "ChildProcess", "PostgresStore", "StoreKit",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .executableTarget(
            name: "store-crash-writer",
            dependencies: ["IncidentCore", "IncidentStore"],
            path: "Tests/Support/store-crash-writer"
        ),
        .executableTarget(
            name: "pg-writer",
            dependencies: ["IncidentCore", "PostgresStore"],
            path: "Tests/Support/pg-writer"
        ),
        .target(name: "WarroomTestSupport", path: "Tests/Support/WarroomTestSupport"),
        .testTarget(name: "IncidentCoreTests", dependencies: ["IncidentCore"]),
        .testTarget(
            name: "StoreContractTests",
            dependencies: ["IncidentCore", "StoreKit", "Broadcast", "WarroomTestSupport"]
        ),
        .testTarget(
            name: "PostgresStoreTests",
            dependencies: [
                "IncidentCore", "PostgresStore", "WarroomTestSupport", "ChildProcess", "pg-writer",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "IncidentStoreTests",
            dependencies: ["IncidentCore", "IncidentStore", "store-crash-writer", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(name: "RunbookKitTests", dependencies: ["IncidentCore", "RunbookKit", "ContactsKit"]),
        .testTarget(name: "ContactsKitTests", dependencies: ["IncidentCore", "ContactsKit"]),
        .testTarget(
            name: "BroadcastTests",
            dependencies: [
                "IncidentCore", "IncidentStore", "Broadcast", "WarroomTestSupport", "warroom",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "PostmortemTests", dependencies: ["IncidentCore", "Postmortem"]),
        .testTarget(name: "ConsoleTests", dependencies: ["IncidentCore", "Console"]),
        .testTarget(name: "AlertIntakeTests", dependencies: ["IncidentCore", "AlertIntake"]),
        .testTarget(
            name: "DrillsTests",
            dependencies: [
                "IncidentCore", "IncidentStore", "RunbookKit", "ContactsKit", "Broadcast", "Postmortem", "Drills", "WarroomTestSupport",
            ]
        ),
        .testTarget(
            name: "WarroomCLITests",
            dependencies: [
                "IncidentCore", "IncidentStore", "RunbookKit", "Drills", "WarroomTestSupport", "warroom",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(name: "EndToEndTests", dependencies: ["WarroomTestSupport", "ChildProcess", "warroom"]),
    ]
)
