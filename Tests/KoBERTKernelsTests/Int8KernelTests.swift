import XCTest
@testable import KoBERTKernels
import KoBERTTestSupport

final class Int8KernelTests: XCTestCase {
    func testQuantizerRoundTripErrorIsBoundedByHalfAStep() {
        let rows = 37, cols = 53
        var w = randomFloats(rows * cols, -0.2...0.2, seed: 31)
        for c in 0..<cols { w[5 * cols + c] = 0 }                           // an all-zero row
        let (q, scales) = Int8Quantizer.quantizePerChannel(weight: w, outFeatures: rows, inFeatures: cols)
        XCTAssertEqual(scales[5], 0)
        var sumSq = 0.0, sumSqScale = 0.0
        for r in 0..<rows {
            for c in 0..<cols {
                let v = q[r * cols + c]
                XCTAssertTrue((-127...127).contains(v))
                let err = abs(Float(v) * scales[r] - w[r * cols + c])
                XCTAssertLessThanOrEqual(err, scales[r] * 0.5 + 1e-7)
                sumSq += Double(err * err)
            }
            sumSqScale += Double(scales[r] * scales[r]) * Double(cols)
        }
        // Uniform rounding error has RMS step/√12; allow 20 % over it.
        XCTAssertLessThanOrEqual((sumSq / Double(rows * cols)).squareRoot(), 1.2 * (sumSqScale / Double(rows * cols) / 12).squareRoot())
        // Each non-zero row reaches ±127 at its largest magnitude.
        XCTAssertEqual(q[0..<cols].map { abs(Int($0)) }.max(), 127)
    }

    func testQuantizerRoundsHalfToEvenAndSurvivesNonFinite() {
        // maxAbs 127 → scale 1: values land exactly on halves.
        let (q, s) = Int8Quantizer.quantizePerRow([127, 2.5, -2.5, 3.5, 0.5, -0.5, .nan, 1], rows: 1, dim: 8)
        XCTAssertEqual(s, [1])
        XCTAssertEqual(q, [127, 2, -2, 4, 0, 0, 0, 1])
        let (qi, si) = Int8Quantizer.quantizePerRow([.infinity, -.infinity, 2], rows: 1, dim: 3)
        XCTAssertEqual(qi, [127, -127, 127]); XCTAssertEqual(si[0], 2 / 127)
        var back = [Float](repeating: 0, count: 8)
        q.withUnsafeBufferPointer { Int8Quantizer.dequantizeRow($0.baseAddress!, scale: 0.5, count: 8, into: &back) }
        XCTAssertEqual(back[0], 63.5)
    }

    /// With unit scales the kernel's float output is its int32 sum (|sum| < 2^24), so this compares int32 exactly.
    func testInt32SumsAreIdenticalInEveryFamily() {
        for (index, s) in oddShapes.enumerated() {
            var g = SeededGenerator(seed: UInt64(500 + index))
            let w = (0..<(s.n * s.k)).map { _ in Int8.random(in: -127...127, using: &g) }
            let pairs = (s.k + 1) / 2, lda = 2 * pairs
            var a = [Int16](repeating: 0, count: s.m * lda)
            for r in 0..<s.m { for i in 0..<s.k { a[r * lda + i] = Int16.random(in: -127...127, using: &g) } }
            // Extremes too: a full row of −127 against a full column of −127 / 127.
            for i in 0..<s.k { a[i] = -127 }
            var wx = w
            for i in 0..<s.k { wx[i] = -127 }
            let pairPanels = wx.withUnsafeBufferPointer { Int8Panels(values: $0.baseAddress!, n: s.n, k: s.k, layout: .pairs) }
            var want = [Int32](repeating: 0, count: s.m * s.n)
            for r in 0..<s.m { for o in 0..<s.n { for i in 0..<s.k { want[r * s.n + o] += Int32(a[r * lda + i]) * Int32(wx[o * s.k + i]) } } }
            let ones = [Float](repeating: 1, count: pairPanels.panelCount * 16), rowOnes = [Float](repeating: 1, count: s.m)
            for family in familiesUnderTest() {
                let panels = family.int8Layout == .pairs ? pairPanels : Int8Panels(repacking: pairPanels, layout: family.int8Layout)
                for threads in [1, 2] {
                    var c = [Float](repeating: .nan, count: s.m * s.n)
                    Int8GEMM.run(family, m: s.m, a: a, lda: lda, rowScales: rowOnes, panels: panels, columnScales: ones,
                                 c: &c, ldc: s.n, bias: nil, activation: .none, threads: threads)
                    XCTAssertEqual(c.map { Int32($0) }, want, "\(family) \(s) threads \(threads)")
                }
            }
        }
    }

    func testActivationQuantizationIsIdenticalInEveryFamily() {
        for k in [1, 7, 8, 9, 33, 129] {
            let rows = 3
            var x = randomFloats(rows * k, -3...3, seed: UInt64(600 + k))
            x[0] = 0.5; if k > 1 { x[1] = -0.5 }                                      // ties after scaling
            for i in 0..<k { x[2 * k + i] = 0 }                                        // an all-zero row
            let inv = randomFloats(k, 0.5...2, seed: UInt64(700 + k))
            for smoothing in [false, true] {
                var results: [([Int16], [Float])] = []
                for family in familiesUnderTest() {
                    let ldq = k + (k & 1)
                    var q = [Int16](repeating: 99, count: rows * ldq), s = [Float](repeating: .nan, count: rows)
                    inv.withUnsafeBufferPointer { invp in
                        ActivationQuantizer.quantize(family, x: x, rows: rows, k: k, invChannelScales: smoothing ? invp.baseAddress : nil,
                                                     into: &q, ldq: ldq, scales: &s)
                    }
                    results.append((q, s))
                }
                for r in results.dropFirst() {
                    XCTAssertEqual(r.0, results[0].0, "k \(k) smoothing \(smoothing)")
                    XCTAssertEqual(r.1, results[0].1, "k \(k) smoothing \(smoothing)")
                }
                XCTAssertEqual(results[0].1[2], 0)
                XCTAssertEqual(results[0].0.map { abs(Int($0)) }.max(), 127)
            }
        }
    }

    func testInt8LinearMatchesFloatLinearOnRandomData() {
        for (index, s) in [(5, 70, 129), (3, 17, 33), (16, 96, 256)].enumerated() {
            let w = randomFloats(s.1 * s.2, -0.1...0.1, seed: UInt64(800 + index))
            let x = randomFloats(s.0 * s.2, seed: UInt64(900 + index)), b = randomFloats(s.1, -0.1...0.1, seed: UInt64(1000 + index))
            let reference = FloatLinear(weight: w, bias: b, outFeatures: s.1, inFeatures: s.2)
            let (q, scales) = Int8Quantizer.quantizePerChannel(weight: w, outFeatures: s.1, inFeatures: s.2)
            let layer = Int8Linear(values: q, scales: scales, bias: b, outFeatures: s.1, inFeatures: s.2)
            for activation in [FusedActivation.none, .gelu, .relu] {
                var want = [Float](repeating: 0, count: s.0 * s.1)
                reference.apply(x, rows: s.0, into: &want, activation: activation, threads: 1, family: .reference)
                var outputs: [[Float]] = []
                for family in familiesUnderTest() {
                    for threads in [1, 2] {
                        var y = [Float](repeating: .nan, count: s.0 * s.1)
                        layer.apply(x, rows: s.0, into: &y, activation: activation, threads: threads, family: family)
                        XCTAssertGreaterThanOrEqual(cosine(y, want), 0.999, "\(family) \(s) \(activation)")
                        outputs.append(y)
                    }
                }
                // Same int32 sums and same float epilogue order: families agree to float rounding of GELU.
                for y in outputs.dropFirst() { XCTAssertLessThanOrEqual(maxRelativeError(y, outputs[0]), 1e-5) }
            }
        }
    }

    /// An activation channel 100× larger than the rest (trained-BERT style). Smoothing moves it into the weights.
    func testSmoothingHookKeepsTheProductAndHelpsWithOutliers() {
        let m = 8, n = 48, k = 96
        let w = randomFloats(n * k, -0.1...0.1, seed: 41)
        var x = randomFloats(m * k, seed: 42)
        for r in 0..<m { x[r * k + 7] *= 100 }
        let reference = FloatLinear(weight: w, bias: nil, outFeatures: n, inFeatures: k)
        var want = [Float](repeating: 0, count: m * n)
        reference.apply(x, rows: m, into: &want, activation: .none, threads: 1, family: .reference)
        var maxima = [Float](repeating: 0, count: k)
        for r in 0..<m { for i in 0..<k { maxima[i] = max(maxima[i], abs(x[r * k + i])) } }
        let s = Int8Quantizer.smoothingScales(activationMaxAbs: maxima, weight: w, outFeatures: n, inFeatures: k)
        let plain = Int8Quantizer.quantizePerChannel(weight: w, outFeatures: n, inFeatures: k)
        let smooth = Int8Quantizer.quantizePerChannel(weight: w, outFeatures: n, inFeatures: k, inputChannelScales: s)
        let plainLayer = Int8Linear(values: plain.values, scales: plain.scales, bias: nil, outFeatures: n, inFeatures: k)
        let smoothLayer = Int8Linear(values: smooth.values, scales: smooth.scales, bias: nil, outFeatures: n, inFeatures: k,
                                     inputChannelScales: s)
        for family in familiesUnderTest() {
            var yPlain = [Float](repeating: 0, count: m * n), ySmooth = yPlain
            plainLayer.apply(x, rows: m, into: &yPlain, activation: .none, threads: 1, family: family)
            smoothLayer.apply(x, rows: m, into: &ySmooth, activation: .none, threads: 1, family: family)
            let errPlain = zip(yPlain, want).map { Double(($0 - $1) * ($0 - $1)) }.reduce(0, +)
            let errSmooth = zip(ySmooth, want).map { Double(($0 - $1) * ($0 - $1)) }.reduce(0, +)
            XCTAssertGreaterThanOrEqual(cosine(ySmooth, want), 0.999, "\(family)")
            XCTAssertLessThan(errSmooth, errPlain, "\(family)")
        }
    }
}
