// Stand-ins for the few Foundation / Dispatch / Glibc names KoBERTKernels uses, so that Tools/arm/check can
// type-check the whole module (its arm64 glue included) with the Embedded Swift compiler for aarch64: there
// is no aarch64 Linux Foundation here. Never compiled into anything; WorkerPool.swift is left out for this one.
struct ProcessInfo { static let processInfo = ProcessInfo(); var environment: [String: String] { [:] } }
struct Data { init<S: Sequence>(_ s: S) where S.Element == UInt8 {} }
struct FileHandle { static let standardError = FileHandle(); func write(_ d: Data) {} }
final class NSLock { func lock() {}; func unlock() {} }
enum WorkerPool { static func run(parts: Int, _ body: (Int) -> Void) { for p in 0..<parts { body(p) } } }
func erf(_ x: Double) -> Double { x }
func pow(_ x: Float, _ y: Float) -> Float { x }
func pow(_ x: Double, _ y: Double) -> Double { x }
func expf(_ x: Float) -> Float { x }
