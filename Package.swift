// swift-tools-version:6.0
// The tree reads as the data flow:
// text → KoBERTTokenizer → KoBERTModel (fp32 oracle | int8 via KoBERTKernels) → heads
//      → KoBERTPack (packed model file) → KoBERTProtocol → KoBERTServer (kobertd) / KoBERTClient (kobert)
import PackageDescription

let package = Package(
    name: "DistilKoBERTEdge",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "kobert", targets: ["kobert"]),
        .executable(name: "kobertd", targets: ["kobertd"]),
        .executable(name: "kobert-quantize", targets: ["kobert-quantize"]),
        .library(name: "KoBERTClient", targets: ["KoBERTClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.24.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
    ],
    targets: [
        // Shapes, tensors, errors, model configuration. No I/O beyond JSON config parsing.
        .target(name: "KoBERTCore"),
        // Hugging Face checkpoints: safetensors, torch zip, torch legacy pickle.
        .target(name: "KoBERTCheckpoint", dependencies: ["KoBERTCore"]),
        // GEMM kernels: fp32 and int8, each with a scalar reference twin.
        // AVX2 flags only when the host is x86-64 (clang rejects -mavx2 on AArch64); the code is #if arch(x86_64).
        .target(name: "KoBERTKernelsAVX2",
                swiftSettings: [.unsafeFlags({
                    #if arch(x86_64)
                    return ["-Xcc", "-mavx2", "-Xcc", "-mfma", "-Xcc", "-mf16c"]
                    #else
                    return []
                    #endif
                }()), .unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
        // AVX-512 VNNI int8 kernels (Zen 4, Ice Lake and newer); chosen at run time by CPUID.
        .target(name: "KoBERTKernelsVNNI",
                swiftSettings: [.unsafeFlags({
                    #if arch(x86_64)
                    return ["-Xcc", "-mavx2", "-Xcc", "-mfma", "-Xcc", "-mavx512f", "-Xcc", "-mavx512bw",
                            "-Xcc", "-mavx512vl", "-Xcc", "-mavx512vnni"]
                    #else
                    return []
                    #endif
                }()), .unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
        // AArch64 int8 tiers (code is #if arch(arm64); Embedded-Swift-clean, checked under qemu by Tools/arm/check).
        // The SDOT and SMMLA tiles are modules of their own so only they are compiled with those features.
        .target(name: "KoBERTKernelsARMDotProd", path: "Sources/KoBERTKernelsARM/DotProd",
                swiftSettings: [.unsafeFlags({
                    #if arch(arm64)
                    return ["-Xcc", "-march=armv8.2-a+dotprod"]
                    #else
                    return []
                    #endif
                }()), .unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
        .target(name: "KoBERTKernelsARMI8MM", path: "Sources/KoBERTKernelsARM/I8MM",
                swiftSettings: [.unsafeFlags({
                    #if arch(arm64)
                    return ["-Xcc", "-march=armv8.2-a+i8mm"]
                    #else
                    return []
                    #endif
                }()), .unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
        .target(name: "KoBERTKernelsARM", dependencies: ["KoBERTKernelsARMDotProd", "KoBERTKernelsARMI8MM"],
                path: "Sources/KoBERTKernelsARM/Base",
                swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
        .target(name: "KoBERTKernels", dependencies: ["KoBERTKernelsAVX2", "KoBERTKernelsVNNI", "KoBERTKernelsARM"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
        // SentencePiece + KoBertTokenizer, no ML dependencies.
        .target(name: "KoBERTTokenizer"),
        // Encoders (DistilBERT, BERT), heads, and the text-level predictor.
        .target(name: "KoBERTModel", dependencies: ["KoBERTCore", "KoBERTCheckpoint", "KoBERTKernels", "KoBERTTokenizer"]),
        // The packed model file (zstd, checksums), the quantizer, and model loading by path.
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .target(name: "KoBERTPack", dependencies: ["KoBERTModel", "CZstd"]),
        // Wire format: frames and JSON-RPC messages. No NIO, no math.
        .target(name: "KoBERTProtocol"),
        // sd_notify, LISTEN_FDS, watchdog: plain Glibc.
        .target(name: "SystemdSupport"),
        // The daemon's server: NIO pipeline, batching, admission control.
        .target(name: "KoBERTServer", dependencies: [
            "KoBERTProtocol", "KoBERTPack", "SystemdSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOExtras", package: "swift-nio-extras"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // Async client library over the Unix socket.
        .target(name: "KoBERTClient", dependencies: ["KoBERTProtocol"]),

        .executableTarget(name: "kobert", dependencies: [
            "KoBERTPack", "KoBERTModel", "KoBERTTokenizer", "KoBERTClient",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "kobertd", dependencies: [
            "KoBERTServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "kobert-quantize", dependencies: [
            "KoBERTPack",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "KoBERTCheckpointTests", dependencies: ["KoBERTCheckpoint"]),
        .testTarget(name: "KoBERTKernelsTests", dependencies: ["KoBERTKernels"]),
        .testTarget(name: "KoBERTTokenizerTests", dependencies: ["KoBERTTokenizer"]),
        .testTarget(name: "KoBERTModelTests", dependencies: ["KoBERTModel"]),
        .testTarget(name: "KoBERTPackTests", dependencies: ["KoBERTPack"]),
        .testTarget(name: "KoBERTProtocolTests", dependencies: ["KoBERTProtocol"]),
        .testTarget(name: "KoBERTServerTests", dependencies: ["KoBERTServer", "KoBERTClient"]),
        .testTarget(name: "ShippedModelTests", dependencies: ["KoBERTPack", "KoBERTModel"]),
    ],
    swiftLanguageModes: [.v5]
)
