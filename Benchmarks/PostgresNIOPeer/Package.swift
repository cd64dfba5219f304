// swift-tools-version:6.1
import PackageDescription

/// The Swift peer of `client-benchmark`: postgres-nio running the same prepared statement, so that
/// `Benchmarks/run.sh` can print its rate beside ours. A package of its own, so that CI and the
/// services never build postgres-nio (`swift build -c release --package-path Benchmarks/PostgresNIOPeer`).
let package = Package(
    name: "postgres-nio-peer",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/vapor/postgres-nio.git", exact: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(
            name: "PostgresNIOPeer",
            dependencies: [
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/PostgresNIOPeer"
        )
    ]
)
