// swift-tools-version:6.1
import PackageDescription

/// Strict Swift 6 everywhere; folders are what a reader sees (`path:` on every target).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let lifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let crypto = Target.Dependency.product(name: "Crypto", package: "swift-crypto")

/// The event contracts of one producing service: its event types, which it publishes and other
/// services decode (`Shared/Contracts/<Producer>`).
func contracts(_ producer: String) -> Target {
    .target(
        name: "\(producer)Contracts", dependencies: ["EventBus", "Postgres", "ContractValues"], path: "Shared/Contracts/\(producer)",
        swiftSettings: swiftSettings)
}

/// One service = a library target (routes, repositories, migrations) + a thin `@main` executable.
/// `contracts`: the event contract modules it publishes or consumes (never another service's library).
func service(_ name: String, executable: String, resources: [Resource] = [], contracts: [Target.Dependency] = []) -> [Target] {
    [
        .target(
            name: name,
            dependencies: [
                "ServiceKit", "Postgres", "Migrations", "EventBus", "Access", "Audit", "Rules", "ContractValues", hummingbird, logging,
                lifecycle, crypto,
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ] + contracts,
            path: "Services/\(name)/Library",
            resources: [.copy("Migrations")] + resources,
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "\(name)Main",
            dependencies: [.target(name: name), "ServiceKit"],
            path: "Services/\(name)/Executable",
            swiftSettings: swiftSettings
        ),
    ]
}

let package = Package(
    name: "recovery",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "registry", targets: ["RegistryMain"]),
        .executable(name: "treatment", targets: ["TreatmentMain"]),
        .executable(name: "referrals", targets: ["ReferralsMain"]),
        .executable(name: "statistics", targets: ["StatisticsMain"]),
        .executable(name: "client-benchmark", targets: ["ClientBenchmark"]),
        .executable(name: "bus-test-consumer", targets: ["BusTestConsumer"]),
        .executable(name: "bus-benchmark", targets: ["BusBenchmark"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.7.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.100.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            path: "Shared/CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(name: "CEpoll", path: "Shared/CEpoll"),
        .target(
            name: "Postgres",
            dependencies: ["CLibPQ", "CEpoll", logging, lifecycle],
            path: "Shared/Postgres",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EventBus",
            dependencies: ["Postgres", logging, lifecycle, .product(name: "Metrics", package: "swift-metrics")],
            path: "Shared/EventBus",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Access",
            dependencies: [
                "Postgres", crypto,
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Shared/Access",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Audit",
            dependencies: ["Postgres", crypto, logging, lifecycle],
            path: "Shared/Audit",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Rules",
            dependencies: ["Postgres", "ContractValues"],
            path: "Shared/Rules",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Migrations",
            dependencies: ["Postgres", logging],
            path: "Shared/Migrations",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ServiceKit",
            dependencies: [
                "Postgres", "Migrations", "EventBus", "Access", "Audit", "Rules", hummingbird, logging, lifecycle,
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Shared/ServiceKit",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ClientBenchmark",
            dependencies: ["Postgres", logging],
            path: "Benchmarks/ClientBenchmark",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "BusBenchmark",
            dependencies: ["EventBus", "Postgres", logging],
            path: "Benchmarks/BusBenchmark",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TestSupport",
            dependencies: ["Postgres", "Migrations", "EventBus", logging, lifecycle],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PostgresTests",
            dependencies: ["Postgres", "TestSupport", logging],
            path: "Tests/PostgresTests",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "BusTestConsumer",
            dependencies: ["EventBus", "Postgres", logging],
            path: "Tests/BusTestConsumer",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EventBusTests",
            dependencies: ["EventBus", "Postgres", "TestSupport", logging, .product(name: "MetricsTestKit", package: "swift-metrics")],
            path: "Tests/EventBusTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MigrationsTests",
            dependencies: ["Migrations", "Postgres", "TestSupport"],
            path: "Tests/MigrationsTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "APITests",
            dependencies: [
                "Access", "Audit", "ServiceKit", "Postgres", "TestSupport", logging, hummingbird,
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                "Registry", "Treatment", "Referrals", "Statistics", "RegistryContracts", "TreatmentContracts", "ReferralsContracts", "ContractValues",
            ],
            path: "Tests/APITests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ServiceTests",
            dependencies: [
                "ServiceKit", "Audit", "Postgres", "Rules", "ContractValues", logging, "Registry", "Treatment", "Referrals", "Statistics",
                "RegistryContracts", "TreatmentContracts", "TestSupport",
            ],
            path: "Tests/ServiceTests",
            swiftSettings: swiftSettings
        ),
    ]
        + [
            .target(name: "ContractValues", dependencies: ["EventBus", "Postgres"], path: "Shared/Contracts/Values", swiftSettings: swiftSettings),
            contracts("Registry"), contracts("Treatment"), contracts("Referrals"),
        ]
        + service("Registry", executable: "registry", resources: [.copy("ReferenceData")], contracts: ["RegistryContracts", "TreatmentContracts"])
        + service("Treatment", executable: "treatment", contracts: ["TreatmentContracts", "RegistryContracts"])
        + service("Referrals", executable: "referrals", contracts: ["ReferralsContracts", "RegistryContracts", "TreatmentContracts"])
        + service("Statistics", executable: "statistics", contracts: ["RegistryContracts", "ReferralsContracts", "TreatmentContracts"])
)
