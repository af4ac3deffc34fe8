import XCTest
@testable import KoBERTKernels

final class Int8ThreadingTests: XCTestCase {
    /// Big enough (> 1 M multiply-adds) that two threads really split the panels; not a single bit may change.
    func testAnyThreadCountGivesTheSameBitsAsOne() {
        let m = 9, n = 600, k = 400
        let w = randomFloats(n * k, -0.1...0.1, seed: 51), x = randomFloats(m * k, seed: 52), b = randomFloats(n, seed: 53)
        let (q, scales) = Int8Quantizer.quantizePerChannel(weight: w, outFeatures: n, inFeatures: k)
        let layer = Int8Linear(values: q, scales: scales, bias: b, outFeatures: n, inFeatures: k)
        for family in familiesUnderTest(excluding: [.reference]) {
            var one = [Float](repeating: 0, count: m * n)
            layer.apply(x, rows: m, into: &one, activation: .gelu, threads: 1, family: family)
            // 3 and more threads: regions of different widths one after another (the pool's hard case).
            for threads in [2, 3, 4, 5, 6, 3, 6, 2] {
                var many = [Float](repeating: .nan, count: m * n)
                layer.apply(x, rows: m, into: &many, activation: .gelu, threads: threads, family: family)
                XCTAssertEqual(one, many, "\(family), \(threads) threads")
            }
        }
    }
}
