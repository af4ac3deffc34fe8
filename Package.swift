// swift-tools-version:6.0
// The tree reads as the data flow (README, Architecture):
// text → KoBERTTokenizer → KoBERTRuntime (loaders, Predictor) → KoBERTModel (encoders, heads) → KoBERTKernels
//      KoBERTCheckpoint (HF folders) and KoBERTFormat (.kbt) feed KoBERTRuntime; KoBERTQuantize packs .kbt files;
//      KoBERTRuntime → KoBERTServer (kobertd) ◄ KoBERTProtocol ► KoBERTClient (kobert). All rest on KoBERTCore.
import PackageDescription

let package = Package(
    name: "DistilKoBERTEdge",
    platforms: [.macOS(.v15)],   // Synchronization's Mutex and Atomic; the project targets Linux
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
        // A software prefetch, which Swift cannot spell (header-only C).
        .target(name: "CPrefetch"),
        // AVX2 flags only when the host is x86-64 (clang rejects -mavx2 on AArch64); the code is #if arch(x86_64).
        .target(name: "KoBERTKernelsAVX2", dependencies: ["CPrefetch"],
                swiftSettings: [.unsafeFlags({
                    #if arch(x86_64)
                    return ["-Xcc", "-mavx2", "-Xcc", "-mfma", "-Xcc", "-mf16c"]
                    #else
                    return []
                    #endif
                }()), .unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
        // AVX-512 VNNI int8 kernels (Zen 4, Ice Lake and newer); chosen at run time by CPUID.
        .target(name: "KoBERTKernelsVNNI", dependencies: ["CPrefetch"],
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
        // Encoders (DistilBERT, BERT) and heads over a WeightStore: knows no text and no file format.
        .target(name: "KoBERTModel", dependencies: ["KoBERTCore", "KoBERTKernels"]),
        // The packed model file: container, manifest, zstd per tensor, CRC-32C. No quantizer.
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .target(name: "KoBERTFormat", dependencies: ["KoBERTCore", "CZstd"]),
        // Loading a model by path (Hugging Face folder → fp32, .kbt → packed int8) and `Predictor`:
        // text → ids → encoder → head → result.
        .target(name: "KoBERTRuntime", dependencies: [
            "KoBERTCore", "KoBERTKernels", "KoBERTModel", "KoBERTTokenizer", "KoBERTCheckpoint", "KoBERTFormat",
        ]),
        // Post-training quantization and calibration, for kobert-quantize only.
        .target(name: "KoBERTQuantize", dependencies: [
            "KoBERTCore", "KoBERTKernels", "KoBERTModel", "KoBERTTokenizer", "KoBERTCheckpoint", "KoBERTFormat", "KoBERTRuntime",
        ]),
        // Wire format: frames and JSON-RPC messages. No NIO, no math.
        .target(name: "KoBERTProtocol"),
        // sd_notify, LISTEN_FDS, watchdog: plain Glibc.
        .target(name: "SystemdSupport"),
        // The daemon's server: NIO pipeline, batching, admission control.
        .target(name: "KoBERTServer", dependencies: [
            "KoBERTCore", "KoBERTModel", "KoBERTProtocol", "KoBERTFormat", "KoBERTRuntime", "SystemdSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOExtras", package: "swift-nio-extras"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // Async client library over the Unix socket.
        .target(name: "KoBERTClient", dependencies: ["KoBERTProtocol"]),

        .executableTarget(name: "kobert", dependencies: [
            "KoBERTCore", "KoBERTModel", "KoBERTTokenizer", "KoBERTRuntime", "KoBERTProtocol", "KoBERTClient",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "kobertd", dependencies: [
            "KoBERTServer", "KoBERTRuntime", "SystemdSupport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "kobert-quantize", dependencies: [
            "KoBERTCore", "KoBERTModel", "KoBERTFormat", "KoBERTRuntime", "KoBERTQuantize",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Helpers shared by the test targets (seeded random numbers, built executables).
        .target(name: "KoBERTTestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "KoBERTCheckpointTests", dependencies: ["KoBERTCore", "KoBERTCheckpoint"]),
        .testTarget(name: "KoBERTKernelsTests", dependencies: ["KoBERTKernels", "KoBERTTestSupport"]),
        .testTarget(name: "KoBERTTokenizerTests", dependencies: ["KoBERTTokenizer", "KoBERTTestSupport"]),
        .testTarget(name: "KoBERTModelTests", dependencies: ["KoBERTCore", "KoBERTModel", "KoBERTTokenizer", "KoBERTRuntime"]),
        .testTarget(name: "KoBERTPackTests", dependencies: [
            "KoBERTCore", "KoBERTCheckpoint", "KoBERTKernels", "KoBERTModel", "KoBERTFormat", "KoBERTRuntime", "KoBERTQuantize",
            "KoBERTTokenizer",
        ]),
        .testTarget(name: "KoBERTProtocolTests", dependencies: ["KoBERTProtocol", "KoBERTTestSupport"]),
        .testTarget(name: "KoBERTServerTests", dependencies: [
            "KoBERTServer", "KoBERTClient", "KoBERTProtocol", "KoBERTCore", "KoBERTCheckpoint", "KoBERTModel", "KoBERTTokenizer",
            "KoBERTRuntime", "SystemdSupport", "KoBERTTestSupport", .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "ShippedModelTests", dependencies: ["KoBERTRuntime", "KoBERTModel", "KoBERTTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
