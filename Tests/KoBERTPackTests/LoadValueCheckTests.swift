import Foundation
import KoBERTCore
import KoBERTKernels
import XCTest
@testable import KoBERTFormat
@testable import KoBERTQuantize
@testable import KoBERTRuntime

/// Values that fit their sizes but not their meaning fail the load, one line naming the tensor:
/// i8 values off their grid, scales that are not finite, a name twice, labels that do not name
/// the classifier's rows.
final class LoadValueCheckTests: XCTestCase {
    private let linear = CompletePack.smoothedLinear + ".weight"

    private func assertLoadFails(labels: [String]? = nil, containing fragment: String, line: UInt = #line,
                                 edit: @escaping (inout [PackedTensorEntry], PackWriter) throws -> Void = { _, _ in }) throws {
        let scratch = ScratchFolder()
        let path = scratch.file("m.kbt")
        try CompletePack.write(to: path, labels: labels, edit: edit)
        XCTAssertThrowsError(try CompletePack.load(path), line: line) { error in
            XCTAssertTrue("\(error)".contains(fragment), "\(error)", line: line)
            XCTAssertFalse("\(error)".contains("\n"), "one line", line: line)
        }
        // inspect --verify runs the same value checks.
        if labels == nil {
            XCTAssertThrowsError(try PackedWeights(file: try PackFile(path: path), threads: 1).verifyAll(), line: line)
        }
    }

    /// Replaces the `name` entry's blob of `kind` with `values` (raw little-endian bytes).
    private static func replace(_ name: String, _ entries: inout [PackedTensorEntry], _ writer: PackWriter,
                                data: [UInt8]? = nil, scales: [Float]? = nil, inputScales: [Float]? = nil) throws {
        let index = entries.firstIndex { $0.name == name }!
        if let data { entries[index].data = try data.withUnsafeBytes { try writer.addBlob($0) } }
        if let scales { entries[index].scales = try scales.withUnsafeBytes { try writer.addBlob($0) } }
        if let inputScales { entries[index].inputScales = try inputScales.withUnsafeBytes { try writer.addBlob($0) } }
    }

    func testTheUntouchedPackLoads() throws {
        let scratch = ScratchFolder()
        try CompletePack.write(to: scratch.file("m.kbt"))
        try CompletePack.load(scratch.file("m.kbt"))
        XCTAssertEqual(try PackFile(path: scratch.file("m.kbt")).manifest.entry(linear)?.bits, CompletePack.linearBits)
    }

    func testSevenBitLinearHoldingValuesOffItsGridFails() throws {
        XCTAssertEqual(CompletePack.linearBits, 7)
        for outlier: Int8 in [127, -128, 64, -64] {
            try assertLoadFails(containing: "tensor \(linear) has values outside its 7-bit range") { entries, writer in
                var values = [UInt8](repeating: 1, count: 32 * 32)
                values[77] = UInt8(bitPattern: outlier)
                try Self.replace(self.linear, &entries, writer, data: values)
            }
        }
    }

    func testEightBitTensorHoldingMinus128Fails() throws {
        try assertLoadFails(containing: "tensor \(linear) has values outside its 8-bit range") { entries, writer in
            let index = entries.firstIndex { $0.name == self.linear }!
            entries[index].bits = nil
            try Self.replace(self.linear, &entries, writer, data: [UInt8](repeating: 0x80, count: 32 * 32))
        }
    }

    func testScalesThatAreNotFiniteFail() throws {
        for bad in [Float.nan, .infinity, -.infinity] {
            try assertLoadFails(containing: "tensor \(linear) has a scale that is not finite") { entries, writer in
                var scales = [Float](repeating: 0.01, count: 32)
                scales[5] = bad
                try Self.replace(self.linear, &entries, writer, scales: scales)
            }
        }
        for bad in [Float.nan, .infinity, 0, -1] {
            try assertLoadFails(containing: "tensor \(linear) has an input scale that is not a positive finite number") { entries, writer in
                var factors = [Float](repeating: 1, count: 32)
                factors[3] = bad
                try Self.replace(self.linear, &entries, writer, inputScales: factors)
            }
        }
    }

    func testDuplicatedTensorNameFails() throws {
        try assertLoadFails(containing: "tensor classifier.bias appears twice in the manifest") { entries, _ in
            entries.append(entries.first { $0.name == "classifier.bias" }!)
        }
    }

    func testLabelsMustNameTheClassifierRows() throws {
        try assertLoadFails(labels: ["negative"], containing: "the manifest has 1 labels but the classifier has 2 rows")
        try assertLoadFails(labels: [], containing: "the manifest has 0 labels but the classifier has 2 rows")
        try assertLoadFails(labels: ["positive", "negative"], containing: "differ from its config's id2label")
    }
}
