import KoBERTCore
import XCTest
@testable import KoBERTCheckpoint

/// Views into shared storages (offsets, strides, permutations, tied names) come out contiguous
/// and equal to what torch itself reads.
final class ViewsTests: XCTestCase {
    func testViewsMaterializeLikeTorch() throws {
        let expected = try Fixtures.json("views/expected.json")
        let tensors = try XCTUnwrap(expected["tensors"] as? [String: [String: Any]])
        for file in ["views/views-zip.bin", "views/views-zip-protocol4.bin", "views/views-legacy.bin"] {
            let read = try WeightFile.readTensors(path: Fixtures.path(file))
            XCTAssertEqual(Set(read.keys), Set(tensors.keys), file)
            XCTAssertNil(read["counter"], "\(file): integer tensors are skipped")
            for (name, spec) in tensors {
                let shape = try XCTUnwrap(spec["shape"] as? [Int])
                let data = try XCTUnwrap(spec["data"] as? [Double]).map(Float.init)
                XCTAssertEqual(read[name], Tensor(shape: shape, data: data), "\(file): \(name)")
            }
        }
    }

    func testStridedCopyOfAHandMadeView() throws {
        // A 2×3 view with strides (1, 2) at offset 1 into six fp32 values 0…5 → [[1,3,5],[2,4,6]] minus 1.
        var bytes: [UInt8] = []
        for value in 0..<8 { withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { bytes += $0 } }
        let file = FileBytes(name: "memory", data: Data(bytes))
        let view = StoredTensor(name: "v", type: .float32, shape: [2, 3], strides: [1, 2], elementOffset: 1,
                                storageByteOffset: 0, storageCount: 8)
        XCTAssertEqual(try view.materialize(from: file), Tensor(shape: [2, 3], data: [1, 3, 5, 2, 4, 6]))
        let tooFar = StoredTensor(name: "w", type: .float32, shape: [2, 3], strides: [1, 3], elementOffset: 1,
                                  storageByteOffset: 0, storageCount: 8)
        assertKoBERTError(try tooFar.materialize(from: file), contains: ["memory", "tensor w", "past its storage"])
    }

    func testHalfPrecisionDecoding() {
        XCTAssertEqual(FloatDecoding.halfToFloat(0x3C00), 1)
        XCTAssertEqual(FloatDecoding.halfToFloat(0xC000), -2)
        XCTAssertEqual(FloatDecoding.halfToFloat(0x7BFF), 65504)
        XCTAssertEqual(FloatDecoding.halfToFloat(0x0001), Float(sign: .plus, exponent: -24, significand: 1))
        XCTAssertEqual(FloatDecoding.halfToFloat(0x03FF), Float(0x3FF) * Float(sign: .plus, exponent: -24, significand: 1))
        XCTAssertEqual(FloatDecoding.halfToFloat(0x7C00), .infinity)
        XCTAssertTrue(FloatDecoding.halfToFloat(0x7E00).isNaN)
        XCTAssertEqual(FloatDecoding.halfToFloat(0x8000).sign, .minus)
    }
}
