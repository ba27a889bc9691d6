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
    ],
    targets: [
        .target(name: "IncidentCore"),
        .target(
            name: "IncidentStore",
            dependencies: ["IncidentCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(name: "Console", dependencies: ["IncidentCore"]),
        .executableTarget(
            name: "warroom",
            dependencies: [
                "IncidentCore", "IncidentStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "warroom-bench",
            dependencies: ["IncidentCore", "IncidentStore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(name: "IncidentCoreTests", dependencies: ["IncidentCore"]),
        .testTarget(name: "IncidentStoreTests", dependencies: ["IncidentCore", "IncidentStore"]),
        .testTarget(name: "ConsoleTests", dependencies: ["IncidentCore", "Console"]),
        .testTarget(name: "WarroomCLITests", dependencies: ["IncidentCore", "warroom"]),
    ]
)
