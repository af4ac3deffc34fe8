import XCTest
@testable import KoBERTKernels

final class FloatKernelTests: XCTestCase {
    func testFloatLinearEveryFamilyMatchesOracleOnOddShapes() {
        for (index, s) in oddShapes.enumerated() {
            let w = randomFloats(s.n * s.k, seed: UInt64(index * 3 + 1))
            let x = randomFloats(s.m * s.k, seed: UInt64(index * 3 + 2))
            let b = randomFloats(s.n, seed: UInt64(index * 3 + 3))
            let layer = FloatLinear(weight: w, bias: b, outFeatures: s.n, inFeatures: s.k)
            for activation in [FusedActivation.none, .relu, .gelu] {
                let want = oracleLinear(x: x, w: w, bias: b, m: s.m, n: s.n, k: s.k, activation: activation)
                for family in familiesUnderTest() {
                    var y = [Float](repeating: .nan, count: s.m * s.n)
                    layer.apply(x, rows: s.m, into: &y, activation: activation, threads: 1, family: family)
                    XCTAssertLessThanOrEqual(maxRelativeError(y, want), 1e-4, "\(family) \(s) \(activation)")
                }
            }
        }
    }

    func testFloatLinearWithoutBiasAndZeroRows() {
        let w = randomFloats(20 * 9, seed: 7), x = randomFloats(3 * 9, seed: 8)
        let layer = FloatLinear(weight: w, bias: nil, outFeatures: 20, inFeatures: 9)
        let want = oracleLinear(x: x, w: w, bias: nil, m: 3, n: 20, k: 9, activation: .none)
        for family in familiesUnderTest() {
            var y = [Float](repeating: .nan, count: 60)
            layer.apply(x, rows: 3, into: &y, activation: .none, threads: 2, family: family)
            XCTAssertLessThanOrEqual(maxRelativeError(y, want), 1e-4, "\(family)")
            layer.apply(x, rows: 0, into: &y, activation: .none, threads: 2, family: family)
        }
    }

    /// No inputs at all: the product is an empty sum, the output is the bias (and the activation of it).
    func testEmptyInnerDimensionGivesTheBias() {
        let b: [Float] = [0.5, -1, 2]
        let layer = FloatLinear(weight: [], bias: b, outFeatures: 3, inFeatures: 0)
        let int8 = Int8Linear(values: [], scales: [0, 0, 0], bias: b, outFeatures: 3, inFeatures: 0)
        for family in familiesUnderTest() {
            var y = [Float](repeating: .nan, count: 6), z = y
            layer.apply([], rows: 2, into: &y, activation: .relu, threads: 1, family: family)
            int8.apply([], rows: 2, into: &z, activation: .relu, threads: 1, family: family)
            XCTAssertEqual(y, [0.5, 0, 2, 0.5, 0, 2], "\(family)")
            XCTAssertEqual(z, [0.5, 0, 2, 0.5, 0, 2], "\(family)")
        }
    }

    /// Big enough that two threads really split the columns; the split must not change a single bit.
    func testTwoThreadsGiveTheSameBitsAsOne() {
        let m = 9, n = 600, k = 300
        let w = randomFloats(n * k, seed: 11), x = randomFloats(m * k, seed: 12), b = randomFloats(n, seed: 13)
        let layer = FloatLinear(weight: w, bias: b, outFeatures: n, inFeatures: k)
        for family in familiesUnderTest(excluding: [.reference]) {
            var one = [Float](repeating: 0, count: m * n), two = one
            layer.apply(x, rows: m, into: &one, activation: .gelu, threads: 1, family: family)
            layer.apply(x, rows: m, into: &two, activation: .gelu, threads: 2, family: family)
            XCTAssertEqual(one, two, "\(family)")
        }
    }

    func testSgemmBothLayoutsWithLeadingDimensionsAlphaAndAccumulate() {
        for (index, s) in oddShapes.enumerated() {
            let lda = s.k + 3, ldc = s.n + 2
            let a = randomFloats(s.m * lda, seed: UInt64(100 + index))
            let bRows = randomFloats(s.k * (s.n + 1), seed: UInt64(200 + index))          // k × n, ldb = n + 1
            let bCols = randomFloats(s.n * (s.k + 4), seed: UInt64(300 + index))          // n × k, ldb = k + 4
            let start = randomFloats(s.m * ldc, seed: UInt64(400 + index))
            for transposed in [false, true] {
                var want = start
                for r in 0..<s.m {
                    for j in 0..<s.n {
                        var sum = 0.0
                        for kk in 0..<s.k {
                            let bv = transposed ? bCols[j * (s.k + 4) + kk] : bRows[kk * (s.n + 1) + j]
                            sum += Double(a[r * lda + kk]) * Double(bv)
                        }
                        want[r * ldc + j] += Float(0.5 * sum)
                    }
                }
                for family in familiesUnderTest() {
                    var c = start
                    let b = transposed ? bCols : bRows
                    Kernels.sgemm(m: s.m, n: s.n, k: s.k, alpha: 0.5, a: a, lda: lda, b: b, ldb: transposed ? s.k + 4 : s.n + 1,
                                  bTransposed: transposed, c: &c, ldc: ldc, accumulate: true, threads: 2, family: family)
                    XCTAssertLessThanOrEqual(maxRelativeError(c, want), 1e-4, "\(family) \(s) transposed \(transposed)")
                }
            }
        }
    }

    /// Every family's softmax against a Double oracle, on tails of every length, large and tied values.
    func testSoftmaxRowsMatchTheOracleInEveryFamily() {
        for n in [1, 2, 7, 8, 9, 15, 16, 17, 33, 128, 131] {
            var x = randomFloats(n, -30...30, seed: UInt64(1_700 + n))
            if n > 3 { x[1] = x[0]; x[2] = 80; x[3] = -80 }
            let peak = x.max()!
            let weights = x.map { Foundation.exp(Double($0) - Double(peak)) }
            let total = weights.reduce(0, +)
            for family in familiesUnderTest() {
                var y = x
                y.withUnsafeMutableBufferPointer { Softmax.apply(family, $0.baseAddress!, count: n) }
                for i in 0..<n {
                    XCTAssertEqual(Double(y[i]), weights[i] / total, accuracy: 1e-6 * max(1, weights[i] / total * 10),
                                   "\(family) n \(n) i \(i)")
                }
                XCTAssertEqual(Double(y.reduce(0, +)), 1, accuracy: 1e-5, "\(family) n \(n)")
            }
        }
    }

    func testVectorErfIsWithinOneMillionthOfFoundation() {
        let xs = stride(from: Float(-8), through: 8, by: 0.001).map { $0 } + [0, -0.0, 1e-8, -1e-8, 50, -50, .infinity, -.infinity]
        var worst = 0.0
        var i = 0
        while i < xs.count {
            var v = SIMD8<Float>(repeating: 0)
            for t in 0..<8 where i + t < xs.count { v[t] = xs[i + t] }
            let e = VectorMath.erf(v)
            for t in 0..<8 where i + t < xs.count { worst = max(worst, abs(Double(e[t]) - erf(Double(xs[i + t])))) }
            i += 8
        }
        print("erf max |error| vs Foundation on [-8, 8]: generic \(worst)")
        XCTAssertLessThanOrEqual(worst, 1e-6, "generic erf")
        if KernelFamily.avx2.isAvailable {
            var out = [Float](repeating: .nan, count: xs.count)
            AVX2Bridge.erf(xs, count: xs.count, into: &out)
            let avxWorst = zip(xs, out).map { abs(Double($1) - erf(Double($0))) }.max()!
            print("erf max |error| vs Foundation on [-8, 8]: avx2 \(avxWorst)")
            XCTAssertLessThanOrEqual(avxWorst, 1e-6, "avx2 erf")
        }
    }

    /// CPUID detection agrees with what the kernel (Linux) reports in /proc/cpuinfo, an independent reading.
    func testDetectedFamiliesMatchTheKernelsCPUFlags() throws {
        print("kernel families here: \(KernelFamily.available.map(\.rawValue)), active: \(KernelFamily.active.rawValue)")
        XCTAssertTrue(KernelFamily.active.isAvailable)
        XCTAssertEqual(Array(KernelFamily.available.prefix(2)), [.reference, .generic], "reference and generic run everywhere")
        #if arch(x86_64) && os(Linux)
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flagsLine = try XCTUnwrap(cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") })
        let flags = Set(flagsLine.split(separator: ":")[1].split(separator: " ").map(String.init))
        XCTAssertEqual(KernelFamily.available.contains(.avx2), flags.isSuperset(of: ["avx2", "fma"]), "avx2 vs /proc/cpuinfo")
        XCTAssertEqual(KernelFamily.available.contains(.avx512vnni),
                       flags.isSuperset(of: ["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni"]), "avx512vnni vs /proc/cpuinfo")
        #endif
    }
}
