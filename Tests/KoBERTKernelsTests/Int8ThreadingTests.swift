import XCTest
@testable import KoBERTKernels

final class Int8ThreadingTests: XCTestCase {
    /// Big enough (> 1 M multiply-adds) that two threads really split the panels; not a single bit may change.
    func testTwoThreadsGiveTheSameBitsAsOne() {
        let m = 9, n = 600, k = 400
        let w = randomFloats(n * k, -0.1...0.1, seed: 51), x = randomFloats(m * k, seed: 52), b = randomFloats(n, seed: 53)
        let (q, scales) = Int8Quantizer.quantizePerChannel(weight: w, outFeatures: n, inFeatures: k)
        let layer = Int8Linear(values: q, scales: scales, bias: b, outFeatures: n, inFeatures: k)
        for family in KernelFamily.available where family != .reference {
            var one = [Float](repeating: 0, count: m * n), two = one
            layer.apply(x, rows: m, into: &one, activation: .gelu, threads: 1, family: family)
            layer.apply(x, rows: m, into: &two, activation: .gelu, threads: 2, family: family)
            XCTAssertEqual(one, two, "\(family)")
        }
    }
}
