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
    /// Two weight ranges: full int8 (every family's main route) and the 7-bit grid (|w| ≤ 63), which AVX2
    /// runs on its u8 × s8 quad route; each weight also runs in the other layout, so every tile of every
    /// family meets the oracle.
    func testInt32SumsAreIdenticalInEveryFamily() {
        for (index, s) in oddShapes.enumerated() {
            for limit in [Int8(127), 63] {
                var g = SeededGenerator(seed: UInt64(500 + index) + UInt64(limit))
                var w = (0..<(s.n * s.k)).map { _ in Int8.random(in: -limit...limit, using: &g) }
                let pairs = (s.k + 1) / 2, lda = 2 * pairs
                var a = [Int16](repeating: 0, count: s.m * lda)
                for r in 0..<s.m { for i in 0..<s.k { a[r * lda + i] = Int16.random(in: -127...127, using: &g) } }
                // Extremes: the largest pair sums either route can meet (row 0 all −127, the last row all 127,
                // against column 0 all −limit).
                for i in 0..<s.k { a[i] = -127; a[(s.m - 1) * lda + i] = 127; w[i] = -limit }
                let pairPanels = w.withUnsafeBufferPointer { Int8Panels(values: $0.baseAddress!, n: s.n, k: s.k, layout: .pairs) }
                XCTAssertEqual(pairPanels.maxMagnitude, Int(limit))
                var want = [Int32](repeating: 0, count: s.m * s.n)
                for r in 0..<s.m { for o in 0..<s.n { for i in 0..<s.k { want[r * s.n + o] += Int32(a[r * lda + i]) * Int32(w[o * s.k + i]) } } }
                let ones = [Float](repeating: 1, count: pairPanels.panelCount * 16), rowOnes = [Float](repeating: 1, count: s.m)
                for family in familiesUnderTest() {
                    let layout = family.int8Layout(weightMagnitude: Int(limit))
                    if family == .avx2 { XCTAssertEqual(layout, limit <= 63 ? .quads : .pairs, "avx2 route for |w| ≤ \(limit)") }
                    let panels = layout == .pairs ? pairPanels : Int8Panels(repacking: pairPanels, layout: layout)
                    for threads in [1, 2] {
                        var c = [Float](repeating: .nan, count: s.m * s.n)
                        Int8GEMM.run(family, m: s.m, a: a, lda: lda, rowScales: rowOnes, panels: panels, columnScales: ones,
                                     c: &c, ldc: s.n, bias: nil, activation: .none, threads: threads)
                        XCTAssertEqual(c.map { Int32($0) }, want, "\(family) \(layout) |w| ≤ \(limit) \(s) threads \(threads)")
                    }
                }
            }
        }
    }

    /// The quad tiles of every family (AVX2's needs |w| ≤ 63; the others' any int8) and each family's
    /// u8 conversion, called directly against the scalar twins, on tails of every length.
    func testQuadTilesAndUnsignedConversionMatchTheReference() {
        for k in [1, 3, 4, 15, 16, 17, 33, 64] {
            for family in familiesUnderTest() {
                let limit: Int8 = family == .avx2 ? 63 : 127
                var g = SeededGenerator(seed: UInt64(1_500 + k))
                let rows = 5, ldq = k + (k & 1)
                var q = [Int16](repeating: 0, count: rows * ldq)
                for r in 0..<rows { for i in 0..<k { q[r * ldq + i] = Int16.random(in: -127...127, using: &g) } }
                for i in 0..<k { q[i] = 127; q[ldq + i] = -127 }
                let n = 21
                let w = (0..<(n * k)).map { _ in Int8.random(in: -limit...limit, using: &g) }
                let panels = w.withUnsafeBufferPointer { Int8Panels(values: $0.baseAddress!, n: n, k: k, layout: .quads) }
                let paddedK = panels.paddedK
                var wantU = [UInt8](repeating: 0, count: rows * paddedK), gotU = wantU
                Int8TileKernels.referenceOffsetToUnsigned(q, rows: rows, k: k, ldq: ldq, into: &wantU, paddedK: paddedK)
                family.kernels.offsetToUnsigned(q, rows: rows, k: k, ldq: ldq, into: &gotU, paddedK: paddedK)
                XCTAssertEqual(gotU, wantU, "\(family) k \(k)")
                let scales = (0..<(panels.panelCount * 16)).map { Float($0 % 5) * 0.25 + 0.5 }
                let rowScales: [Float] = [1, 0.5, 2, 0.125, 3]
                var want = [Float](repeating: .nan, count: rows * n), got = want
                wantU.withUnsafeBufferPointer { u in panels.columnSums128.withUnsafeBufferPointer { sums in
                    scales.withUnsafeBufferPointer { cs in rowScales.withUnsafeBufferPointer { rs in
                        want.withUnsafeMutableBufferPointer { wantC in got.withUnsafeMutableBufferPointer { gotC in
                            for p in 0..<panels.panelCount {
                                let j0 = p * 16, cols = min(16, n - j0)
                                var i0 = 0
                                while i0 < rows {
                                    let tileRows = min(family.kernels.quadTileRows, rows - i0)
                                    let a = u.baseAddress! + i0 * paddedK, sum = sums.baseAddress! + j0
                                    let r = rs.baseAddress! + i0, c = cs.baseAddress! + j0
                                    Int8TileKernels.referenceQuads(quads: panels.groups, a: a, lda: paddedK, rows: tileRows, panel: panels.panel(p),
                                                                   columnSums128: sum, rowScales: r, colScales: c,
                                                                   c: wantC.baseAddress! + i0 * n + j0, ldc: n, cols: cols)
                                    family.kernels.quadTile(quads: panels.groups, a: a, lda: paddedK, rows: tileRows, panel: panels.panel(p),
                                                            columnSums128: sum, rowScales: r, colScales: c,
                                                            c: gotC.baseAddress! + i0 * n + j0, ldc: n, cols: cols)
                                    i0 += tileRows
                                }
                            }
                        } }
                    } }
                } }
                XCTAssertEqual(got, want, "\(family) k \(k)")
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
            // 8-bit and 7-bit grids: on AVX2 the second packs in quads for the u8 × s8 route.
            for bits in [8, 7] {
            let (q, scales) = Int8Quantizer.quantizePerChannel(weight: w, outFeatures: s.1, inFeatures: s.2, bits: bits)
            let layer = Int8Linear(values: q, scales: scales, bias: b, outFeatures: s.1, inFeatures: s.2)
            XCTAssertEqual(layer.panels.layout, KernelFamily.active.int8Layout(weightMagnitude: bits == 8 ? 127 : 63))
            for activation in [FusedActivation.none, .gelu, .relu] {
                var want = [Float](repeating: 0, count: s.0 * s.1)
                reference.apply(x, rows: s.0, into: &want, activation: activation, threads: 1, family: .reference)
                var outputs: [[Float]] = []
                for family in familiesUnderTest() {
                    for threads in [1, 2] {
                        var y = [Float](repeating: .nan, count: s.0 * s.1)
                        layer.apply(x, rows: s.0, into: &y, activation: activation, threads: threads, family: family)
                        XCTAssertGreaterThanOrEqual(cosine(y, want), bits == 8 ? 0.999 : 0.997, "\(family) \(s) \(activation) \(bits)-bit")
                        outputs.append(y)
                    }
                }
                // Same int32 sums and same float epilogue order: families agree to float rounding of GELU.
                for y in outputs.dropFirst() { XCTAssertLessThanOrEqual(maxRelativeError(y, outputs[0]), 1e-5) }
            }
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
