import XCTest
import KoBERTCore
import KoBERTKernels
import KoBERTModel
@testable import KoBERTFormat
@testable import KoBERTQuantize
@testable import KoBERTRuntime

/// Linear weights packed on a grid of fewer than 8 bits (`--linear-bits`): still i8 in the file and
/// int8 in the kernels, only with values in ±(2^(bits−1) − 1), with and without outlier smoothing.
final class NarrowLinearTests: XCTestCase {
    static let query = "encoder.layer.0.attention.self.query"

    func testPlanGivesLinearBitsToInt8LinearsOnly() {
        let plan = QuantizationPlan(mode: .int8, keepFloat: ["output"], embeddingBits: 8, linearBits: 6)
        XCTAssertEqual(plan.bits(for: Self.query + ".weight", shape: [4, 4]), 6)
        XCTAssertNil(plan.bits(for: "encoder.layer.0.output.dense.weight", shape: [4, 4]))       // kept fp32
        XCTAssertNil(plan.bits(for: QuantizationPlan.wordEmbeddings, shape: [6, 4]))            // its own bits: 8
        XCTAssertNil(plan.bits(for: "embeddings.position_embeddings.weight", shape: [16, 4]))
        XCTAssertNil(plan.bits(for: Self.query + ".bias", shape: [4]))
        XCTAssertNil(QuantizationPlan(mode: .int8, linearBits: 8).bits(for: Self.query + ".weight", shape: [4, 4]))
    }

    func testNarrowLinearValuesWithAndWithoutSmoothing() throws {
        let scratch = ScratchFolder()
        let weight = PackSamples.tensors[Self.query + ".weight"]!
        let maxima: [Float] = [0.5, 4, 1, 9]
        for smoothing in [nil, Float(0.5)] {
            let writer = PackWriter()
            let plan = QuantizationPlan(mode: .int8, smoothing: smoothing, linearBits: 4)
            let entries = try Quantizer.pack(PackSamples.tensors, plan: plan, into: writer,
                                             activationMaxima: [Self.query: maxima])
            let path = scratch.file("m.kbt")
            try writer.write(manifest: PackManifest(config: PackSamples.config, task: "nsmc", labels: [], tokenizer: nil,
                                                    tensors: entries, quantization: nil,
                                                    provenance: Provenance(tool: "tests", created: "", sources: [])),
                             to: path)
            let file = try PackFile(path: path)
            let entry = try XCTUnwrap(file.manifest.entry(Self.query + ".weight"))
            XCTAssertEqual(entry.bits, 4)
            XCTAssertEqual(entry.inputScales != nil, smoothing != nil)
            let values = try file.blobArray(entry.data, of: Int8.self, count: 16, what: "values")
            let scales = try file.blobArray(try XCTUnwrap(entry.scales), of: Float.self, count: 4, what: "scales")
            XCTAssertTrue(values.allSatisfy { abs($0) <= 7 }, "\(values)")
            // The narrow rule applied to W·s (s = 1 without smoothing) gives exactly the stored values.
            let factors = try entry.inputScales.map { try file.blobArray($0, of: Float.self, count: 4, what: "factors") }
                ?? [1, 1, 1, 1]
            var folded = weight.data
            for o in 0..<4 { for k in 0..<4 { folded[o * 4 + k] *= factors[k] } }
            let want = Int8Quantizer.quantizePerRow(folded, rows: 4, dim: 4, bits: 4)
            XCTAssertEqual(values, want.values)
            XCTAssertEqual(scales, want.scales)
            // The runtime takes it as any int8 Linear.
            let linear = try PackedWeights(file: file, threads: 1).linear(Self.query)
            XCTAssertEqual(linear.outFeatures, 4)
        }
    }
}
