import Foundation
import Synchronization
import XCTest
@testable import KoBERTKernels
import KoBERTTestSupport

func randomFloats(_ count: Int, _ range: ClosedRange<Float> = -1...1, seed: UInt64) -> [Float] {
    var g = SeededGenerator(seed: seed)
    return (0..<count).map { _ in Float.random(in: range, using: &g) }
}

/// Shapes that are not multiples of any SIMD width or tile size, plus degenerate ones.
let oddShapes: [(m: Int, n: Int, k: Int)] = [(1, 1, 1), (3, 17, 33), (5, 70, 129), (1, 16, 8), (7, 33, 1), (13, 5, 64), (6, 32, 257), (16, 19, 66)]

/// y = x·Wᵀ + b then activation, in Double: the oracle the kernels are held to.
func oracleLinear(x: [Float], w: [Float], bias: [Float]?, m: Int, n: Int, k: Int, activation: FusedActivation) -> [Float] {
    var y = [Float](repeating: 0, count: m * n)
    for r in 0..<m {
        for o in 0..<n {
            var s = Double(bias?[o] ?? 0)
            for i in 0..<k { s += Double(x[r * k + i]) * Double(w[o * k + i]) }
            switch activation {
            case .none: break
            case .relu: s = max(s, 0)
            case .gelu: s = 0.5 * s * (1 + erf(s / 2.0.squareRoot()))
            }
            y[r * n + o] = Float(s)
        }
    }
    return y
}

/// Largest |a − b| / max(1, |b|): relative for large values, absolute near zero.
func maxRelativeError(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
}

func cosine(_ a: [Float], _ b: [Float]) -> Double {
    var dot = 0.0, na = 0.0, nb = 0.0
    for (x, y) in zip(a, b) { dot += Double(x) * Double(y); na += Double(x) * Double(x); nb += Double(y) * Double(y) }
    return dot / max(1e-30, (na * nb).squareRoot())
}

/// The families a kernel test runs: every family this CPU has, each recorded as exercised. Families the
/// CPU lacks are named once on stdout, so a green run says what it did not cover.
func familiesUnderTest(excluding excluded: Set<KernelFamily> = []) -> [KernelFamily] {
    FamilyCoverage.shared.start()
    let families = KernelFamily.available.filter { !excluded.contains($0) }
    FamilyCoverage.shared.record(families)
    return families
}

/// Which kernel families the tests exercised. At the end of the run it prints the report, and when
/// KOBERT_REQUIRE_FAMILY_COVERAGE=1 (Tools/test, whole suite) a family this CPU supports that no test
/// ran fails the run: a kernel tier must never ship green without having executed.
final class FamilyCoverage: NSObject, XCTestObservation, Sendable {
    static let shared = FamilyCoverage()
    private let exercised = Mutex<Set<KernelFamily>>([])
    private let started = Atomic<Bool>(false)

    func start() {
        guard started.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        let missing = KernelFamily.allCases.filter { !KernelFamily.available.contains($0) }
        if !missing.isEmpty {
            print("NOT TESTED on this CPU (it lacks them): kernel families \(missing.map(\.rawValue).joined(separator: ", "))")
        }
        XCTestObservationCenter.shared.addTestObserver(self)
    }

    func record(_ families: [KernelFamily]) {
        exercised.withLock { $0.formUnion(families) }
    }

    func testBundleDidFinish(_ testBundle: Bundle) {
        let ran = exercised.withLock { $0 }
        let unexercised = KernelFamily.available.filter { !ran.contains($0) }
        print("kernel families exercised: \(KernelFamily.available.filter(ran.contains).map(\.rawValue).joined(separator: ", "))")
        if !unexercised.isEmpty && ProcessInfo.processInfo.environment["KOBERT_REQUIRE_FAMILY_COVERAGE"] == "1" {
            print("error: this CPU supports kernel families no test exercised: \(unexercised.map(\.rawValue).joined(separator: ", "))")
            exit(1)
        }
    }
}
