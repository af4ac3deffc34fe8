import Foundation
import XCTest
import KoBERTCore
import KoBERTKernels
import KoBERTModel
@testable import KoBERTFormat
@testable import KoBERTQuantize
@testable import KoBERTRuntime

/// Word embeddings stored with fewer than 8 bits (the tensor entry's `bits`): the quantizer's rule,
/// the bit-packed table the loader keeps, files without `bits`, and files whose `bits` lies.
final class NarrowEmbeddingTests: XCTestCase {
    func testEightBitsIsTheInt8Rule() {
        let table = PackSamples.tensor([7, 13], seed: 9).data
        let narrow = Int8Quantizer.quantizePerRow(table, rows: 7, dim: 13, bits: 8)
        let reference = Int8Quantizer.quantizePerRow(table, rows: 7, dim: 13)
        XCTAssertEqual(narrow.values, reference.values)
        XCTAssertEqual(narrow.scales, reference.scales)
    }

    func testNarrowValuesStayInRangeAndRoundTripThroughTheBitPackedTable() throws {
        // Fields go eight at a time, then one by one: dim 13 is a group and a tail (rows do not end
        // on a byte boundary at any width), dim 24 whole groups only.
        for (rows, dim) in [(9, 13), (5, 24)] {
            var data = PackSamples.tensor([rows, dim], seed: 4).data
            for c in 0..<dim { data[3 * dim + c] = 0 }           // an all-zero row: scale 0, values 0
            for bits in 2...7 {
                let limit = Int8((1 << (bits - 1)) - 1)
                let (values, scales) = Int8Quantizer.quantizePerRow(data, rows: rows, dim: dim, bits: bits)
                XCTAssertTrue(values.allSatisfy { abs($0) <= limit }, "\(bits) bits")
                XCTAssertTrue(values.contains(limit) || values.contains(-limit), "\(bits) bits: the row maximum uses the full range")
                XCTAssertEqual(scales[3], 0)
                let table = try XCTUnwrap(BitPackedEmbeddingTable(values: values, scales: scales, rows: rows, dim: dim, bits: bits))
                var row = [Float](repeating: .nan, count: dim)
                for r in 0..<rows {
                    row.withUnsafeMutableBufferPointer { table.copyRow(r, into: $0.baseAddress!) }
                    for c in 0..<dim { XCTAssertEqual(row[c], Float(values[r * dim + c]) * scales[r], "\(bits) bits, row \(r)") }
                }
            }
        }
    }

    func testBitPackedTableRefusesValuesOutsideItsRange() {
        XCTAssertNil(BitPackedEmbeddingTable(values: [0, 32, 1, -1], scales: [1, 1], rows: 2, dim: 2, bits: 6))
        XCTAssertNil(BitPackedEmbeddingTable(values: [-32, 0], scales: [1], rows: 1, dim: 2, bits: 6))
        XCTAssertNil(BitPackedEmbeddingTable(values: [0, 0, 0, 0, 0, 0, 0, 40], scales: [1], rows: 1, dim: 8, bits: 6))
        XCTAssertNotNil(BitPackedEmbeddingTable(values: [31, -31], scales: [1], rows: 1, dim: 2, bits: 6))
    }

    func testPackedFileKeepsNarrowWordEmbeddingsBitPacked() throws {
        let scratch = ScratchFolder()
        let words = PackSamples.tensors["embeddings.word_embeddings.weight"]!
        for bits in [5, 8] {
            let path = scratch.file("m\(bits).kbt")
            try write(QuantizationPlan(mode: .int8, embeddingBits: bits), to: path)
            let file = try PackFile(path: path)
            XCTAssertEqual(file.manifest.entry("embeddings.word_embeddings.weight")?.bits, bits < 8 ? bits : nil)
            // --embedding-bits forces the position table's grid too.
            XCTAssertEqual(file.manifest.entry("embeddings.position_embeddings.weight")?.bits, bits < 8 ? bits : nil)
            let weights = try PackedWeights(file: file, threads: 1)
            let table = try weights.embedding("embeddings.word_embeddings")
            XCTAssertTrue(bits < 8 ? table is BitPackedEmbeddingTable : table is Int8EmbeddingTable, "\(bits) bits")
            let positions = try weights.embedding("embeddings.position_embeddings")
            XCTAssertTrue(bits < 8 ? positions is BitPackedEmbeddingTable : positions is Int8EmbeddingTable, "\(bits) bits")
            // Rows hold the narrow rule's values; `tensor` (what a reader ignoring `bits` sees) agrees.
            let (values, scales) = Int8Quantizer.quantizePerRow(words.data, rows: table.rows, dim: table.dim, bits: bits)
            let dense = try weights.tensor("embeddings.word_embeddings.weight")
            var row = [Float](repeating: 0, count: table.dim)
            for r in 0..<table.rows {
                row.withUnsafeMutableBufferPointer { table.copyRow(r, into: $0.baseAddress!) }
                for c in 0..<table.dim {
                    XCTAssertEqual(row[c], Float(values[r * table.dim + c]) * scales[r])
                    XCTAssertEqual(dense.data[r * table.dim + c], row[c])
                }
            }
        }
    }

    func testFpModesIgnoreEmbeddingBits() throws {
        let plan = QuantizationPlan(mode: .fp16, embeddingBits: 4)
        XCTAssertNil(plan.bits(for: QuantizationPlan.wordEmbeddings, shape: [6, 4]))
        XCTAssertEqual(plan.dtype(for: QuantizationPlan.wordEmbeddings, shape: [6, 4]), .f16)
    }

    func testLyingBitsFailTheLoadInOneLine() throws {
        let scratch = ScratchFolder()
        // Full int8 values, but the entry claims 3 bits: they cannot all fit.
        let path = scratch.file("lie.kbt")
        try write(QuantizationPlan(mode: .int8, embeddingBits: 8), to: path) { entry in
            if entry.name == QuantizationPlan.wordEmbeddings { entry.bits = 3 }
        }
        let weights = try PackedWeights(path: path, threads: 1)
        XCTAssertThrowsError(try weights.embedding("embeddings.word_embeddings")) { error in
            XCTAssertTrue("\(error)".contains("tensor embeddings.word_embeddings.weight has values outside its 3-bit range"), "\(error)")
            XCTAssertFalse("\(error)".contains("\n"))
        }
        // `bits` on a float tensor, or out of 2…8, is refused (when the file is opened).
        for (name, bits) in [("encoder.layer.0.output.LayerNorm.weight", 6), (QuantizationPlan.wordEmbeddings, 9)] {
            let bad = scratch.file("bad-\(bits).kbt")
            try write(QuantizationPlan(mode: .int8, embeddingBits: 8), to: bad) { entry in
                if entry.name == name { entry.bits = bits }
            }
            XCTAssertThrowsError(try PackedWeights(path: bad, threads: 1).tensor(name)) { error in
                XCTAssertTrue("\(error)".contains("only i8 tensors of 2…8 bits are readable"), "\(error)")
            }
        }
    }

    func testFileWithoutBitsStillLoadsAsInt8() throws {
        // What format-1 writers before `bits` produced: i8 word embeddings, fp32 positions.
        let scratch = ScratchFolder()
        let path = scratch.file("old.kbt")
        let writer = PackWriter()
        var tensors = PackSamples.tensors
        let positions = tensors.removeValue(forKey: "embeddings.position_embeddings.weight")!
        var entries = try Quantizer.pack(tensors, plan: QuantizationPlan(mode: .int8, embeddingBits: 8, linearBits: 8), into: writer)
        entries += try Quantizer.pack(["embeddings.position_embeddings.weight": positions], plan: QuantizationPlan(mode: .fp32),
                                      into: writer)
        try writer.write(manifest: manifest(entries), to: path)
        let json = String(decoding: try [UInt8].readFile(path), as: UTF8.self)
        XCTAssertFalse(json.contains("\"bits\""), "a plain int8 pack names no bits")
        let weights = try PackedWeights(path: path, threads: 1)
        XCTAssertTrue(try weights.embedding("embeddings.word_embeddings") is Int8EmbeddingTable)
        XCTAssertTrue(try weights.embedding("embeddings.position_embeddings") is FloatEmbeddingTable)
    }

    // MARK: helpers

    private func write(_ plan: QuantizationPlan, to path: String, edit: (inout PackedTensorEntry) -> Void = { _ in }) throws {
        let writer = PackWriter()
        var entries = try Quantizer.pack(PackSamples.tensors, plan: plan, into: writer)
        for i in entries.indices { edit(&entries[i]) }
        try writer.write(manifest: manifest(entries), to: path)
    }

    private func manifest(_ entries: [PackedTensorEntry]) -> PackManifest {
        PackManifest(config: PackSamples.config, task: "nsmc", labels: ["negative", "positive"], tokenizer: nil,
                     tensors: entries, quantization: nil,
                     provenance: Provenance(tool: "tests", created: "2026-01-01T00:00:00Z", sources: []))
    }
}
