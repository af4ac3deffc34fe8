import XCTest
import KoBERTCore
import KoBERTKernels
@testable import KoBERTModel
@testable import KoBERTRuntime

/// `kobert bench --profile`'s stage clocks: they change no number, every row is non-negative, the rows add up
/// to the measured passes, and the products are counted at their true sizes.
final class ForwardProfilerTests: XCTestCase {
    let passes = 3

    func testFloatEncoderProfile() throws {
        try check(try CheckpointWeights(directory: CheckpointFixture.folder("distilbert-seqcls-safetensors")), int8: false)
    }

    func testInt8EncoderProfileSplitsQuantizationFromProducts() throws {
        let weights = try CheckpointWeights(directory: CheckpointFixture.folder("bert-seqcls-safetensors"))
        try check(Int8FixtureWeights(base: weights), int8: true)
    }

    private func check(_ weights: any WeightStore, int8: Bool, file: StaticString = #filePath, line: UInt = #line) throws {
        let fixture = try CheckpointFixture(name: weights.config.architecture == .bert ? "bert-seqcls-safetensors"
                                                                                       : "distilbert-seqcls-safetensors")
        let encoder = try Encoder(weights)
        let head = try SequenceClassifier(weights)
        let sequences = fixture.sequences

        let plain = try encoder.forward(sequences, threads: 2)
        let plainLogits = head.logits(plain, threads: 2)

        let profiler = ForwardProfiler()
        encoder.profiler = profiler
        for _ in 0..<passes {
            let (hidden, logits) = try profiler.measure { () throws -> ([Float], [[Float]]) in
                let output = try encoder.forward(sequences, threads: 2)
                return (output.hidden, head.logits(output, threads: 2))
            }
            // Bit for bit: the clocks only read time.
            XCTAssertEqual(hidden.map(\.bitPattern), plain.hidden.map(\.bitPattern), "hidden states", file: file, line: line)
            XCTAssertEqual(logits.map { $0.map(\.bitPattern) }, plainLogits.map { $0.map(\.bitPattern) }, "logits", file: file, line: line)
        }
        encoder.profiler = nil

        let report = profiler.report(threads: 2, floorGMACs: 50)
        XCTAssertEqual(report.passes, passes, file: file, line: line)
        XCTAssertGreaterThan(report.totalMs, 0, file: file, line: line)
        for row in report.rows {
            XCTAssertGreaterThanOrEqual(row.ms, 0, "\(row.stage) is negative", file: file, line: line)
        }
        let sum = report.rows.reduce(0) { $0 + $1.ms }
        XCTAssertEqual(sum, report.totalMs, accuracy: 1e-9 * max(1, report.totalMs), "rows do not add up", file: file, line: line)
        XCTAssertEqual(report.rows.reduce(0) { $0 + $1.share }, 1, accuracy: 1e-9, file: file, line: line)

        // Every stage this model runs was seen; the tanh GELU stage is fused away for "gelu".
        func row(_ stage: ForwardProfiler.Stage) -> ForwardProfile.Row { report.rows[stage.rawValue] }
        let ran: [ForwardProfiler.Stage] = [.embeddings, .qkvProjection, .attentionScores, .softmax, .attentionContext,
                                            .attentionOutput, .ffnUp, .ffnDown, .layerNorm, .head]
        for stage in ran { XCTAssertGreaterThan(row(stage).ms, 0, "\(stage.name) never timed", file: file, line: line) }
        XCTAssertEqual(row(.gelu).ms, 0, file: file, line: line)
        XCTAssertEqual(row(.activationQuantization).ms > 0, int8, "quantization time only for int8", file: file, line: line)

        // The product sizes, per pass, from the shapes (rows × in × out summed over layers).
        let config = weights.config, tokens = sequences.reduce(0) { $0 + $1.ids.count }
        let h = config.hiddenSize, layers = config.numLayers
        let expected: [(ForwardProfiler.Stage, Int)] = [
            (.qkvProjection, 3 * tokens * h * h * layers), (.attentionOutput, tokens * h * h * layers),
            (.ffnUp, tokens * h * config.intermediateSize * layers), (.ffnDown, tokens * config.intermediateSize * h * layers),
            (.attentionScores, sequences.reduce(0) { $0 + $1.ids.count * $1.ids.count } * h * layers),
        ]
        for (stage, macs) in expected {
            XCTAssertEqual(row(stage).gmac * 1e9, Double(macs), accuracy: 0.5, "\(stage.name) MACs", file: file, line: line)
            // Attention's products are fp32 in either model.
            let quantized = int8 && stage != .attentionScores
            XCTAssertEqual(row(stage).int8, quantized, "\(stage.name) int8 flag", file: file, line: line)
            XCTAssertEqual(row(stage).floorRatio != nil, quantized, "\(stage.name) floor ratio", file: file, line: line)
        }
        XCTAssertEqual(row(.attentionContext).gmac, row(.attentionScores).gmac, file: file, line: line)
        XCTAssertNil(row(.softmax).gmacsPerCore, file: file, line: line)
    }
}

/// A checkpoint fixture with every Linear quantized to int8, as the packed format stores them.
private struct Int8FixtureWeights: WeightStoreWrapper {
    let base: any WeightStore

    func linear(_ prefix: String) throws -> any LinearOperator {
        let weight = try base.tensor(prefix + ".weight")
        let rows = weight.shape[0], columns = weight.shape[1]
        let quantized = KernelBridge.quantizePerRow(weight.data, rows: rows, columns: columns)
        return KernelBridge.int8Linear(values: quantized.values, scales: quantized.scales,
                                       bias: try base.linearBias(prefix, outFeatures: rows),
                                       outFeatures: rows, inFeatures: columns, inputScales: nil)
    }
}
