import XCTest
import KoBERTCore
@testable import KoBERTModel
@testable import KoBERTRuntime

/// The fp32 encoder and heads against transformers' own outputs, for every architecture × head ×
/// weight format fixture, at 1e-4 absolute.
final class FixtureParityTests: XCTestCase {
    let tolerance = 1e-4

    func testEveryFixtureMatchesTransformers() throws {
        let fixtures = try CheckpointFixture.all()
        XCTAssertEqual(fixtures.count, 33, "2 architectures × 4 heads × 3 formats + RoBERTa and XLM-R × 4 heads in safetensors + xlm-roberta-text")
        for fixture in fixtures {
            try check(fixture)
        }
    }

    private func check(_ fixture: CheckpointFixture) throws {
        let weights = try CheckpointWeights(directory: fixture.directory)
        let encoder = try Encoder(weights)
        let output = try encoder.forward(fixture.sequences, threads: 2)
        let lengths = fixture.sequences.map(\.ids.count)

        let hidden = try XCTUnwrap(fixture.rows("last_hidden_state", positions: { lengths[$0] }), fixture.name)
        for b in lengths.indices {
            let delta = maxDifference(output.sequence(b), hidden[b])
            XCTAssertLessThanOrEqual(delta, tolerance, "\(fixture.name) last_hidden_state row \(b)")
        }

        switch fixture.head {
        case "seqcls":
            let classifier = try SequenceClassifier(weights)
            let logits = classifier.logits(output, threads: 2)
            let expected = try XCTUnwrap(fixture.rows("logits"), fixture.name)
            for b in lengths.indices {
                XCTAssertLessThanOrEqual(maxDifference(logits[b], expected[b]), tolerance, "\(fixture.name) logits row \(b)")
            }
            if let pooler = fixture.rows("pooler_output") {
                let pooled = classifier.pooled(output, threads: 2)
                XCTAssertLessThanOrEqual(maxDifference(pooled, pooler.flatMap { $0 }), tolerance, "\(fixture.name) pooler_output")
            }
        case "tokcls":
            let logits = try TokenClassifier(weights).logits(output, threads: 2)
            let expected = try XCTUnwrap(fixture.rows("logits", positions: { lengths[$0] }), fixture.name)
            for b in lengths.indices {
                XCTAssertLessThanOrEqual(maxDifference(logits[b].flatMap { $0 }, expected[b]), tolerance, "\(fixture.name) logits row \(b)")
            }
        case "qa":
            let logits = try SpanClassifier(weights).logits(output, threads: 2)
            let starts = try XCTUnwrap(fixture.rows("start_logits"), fixture.name)
            let ends = try XCTUnwrap(fixture.rows("end_logits"), fixture.name)
            for b in lengths.indices {
                XCTAssertLessThanOrEqual(maxDifference(logits[b].start, starts[b].prefix(lengths[b])), tolerance, "\(fixture.name) start_logits row \(b)")
                XCTAssertLessThanOrEqual(maxDifference(logits[b].end, ends[b].prefix(lengths[b])), tolerance, "\(fixture.name) end_logits row \(b)")
            }
        case "base":
            break  // the hidden states above are the whole output
        default:
            XCTFail("\(fixture.name): unknown head \(fixture.head)")
        }
    }

    /// The Predictor's token-level path (what `kobert predict --ids` runs) gives the same numbers.
    func testPredictorTokenPathMatchesTransformers() throws {
        for (name, task) in [("distilbert-seqcls-safetensors", ModelTask.nsmc), ("bert-seqcls-zip", .nsmc),
                             ("distilbert-tokcls-zip", .ner), ("bert-tokcls-legacy", .ner),
                             ("distilbert-qa-legacy", .qa), ("bert-qa-safetensors", .qa),
                             ("roberta-seqcls-safetensors", .nsmc), ("xlm-roberta-tokcls-safetensors", .ner),
                             ("roberta-qa-safetensors", .qa)] {
            let fixture = try CheckpointFixture(name: name)
            let predictor = try Predictor(weights: try CheckpointWeights(directory: fixture.directory), task: task)
            let lengths = fixture.sequences.map(\.ids.count)
            switch task {
            case .nsmc:
                let results = try predictor.classify(sequences: fixture.sequences)
                let expected = try XCTUnwrap(fixture.rows("logits"))
                for b in lengths.indices {
                    XCTAssertLessThanOrEqual(maxDifference(results[b].logits, expected[b]), tolerance, name)
                    XCTAssertEqual(results[b].probs.reduce(0, +), 1, accuracy: 1e-5)
                    XCTAssertTrue(["negative", "positive"].contains(results[b].label), "label from id2label: \(results[b].label)")
                }
            case .ner:
                let results = try predictor.ner(sequences: fixture.sequences)
                let expected = try XCTUnwrap(fixture.rows("logits", positions: { lengths[$0] }))
                for b in lengths.indices {
                    XCTAssertLessThanOrEqual(maxDifference(results[b].logits.flatMap { $0 }, expected[b]), tolerance, name)
                    XCTAssertEqual(results[b].tags.count, lengths[b])
                    XCTAssertTrue(results[b].tags.allSatisfy { ["O", "PER-B", "PER-I", "LOC-B", "LOC-I"].contains($0) })
                }
            case .qa:
                let results = try predictor.answer(sequences: fixture.sequences)
                let starts = try XCTUnwrap(fixture.rows("start_logits")), ends = try XCTUnwrap(fixture.rows("end_logits"))
                for b in lengths.indices {
                    XCTAssertLessThanOrEqual(maxDifference(results[b].startLogits, starts[b].prefix(lengths[b])), tolerance, name)
                    XCTAssertLessThanOrEqual(maxDifference(results[b].endLogits, ends[b].prefix(lengths[b])), tolerance, name)
                    XCTAssertLessThan(results[b].start, results[b].end)
                    XCTAssertLessThanOrEqual(results[b].end - results[b].start, predictor.maxAnswerLength)
                }
            case .embed:
                break
            }
        }
    }

    /// Batching packs sequences without padding; each must come out as if run alone, on any thread count.
    func testBatchedEqualsOneByOne() throws {
        let fixture = try CheckpointFixture(name: "bert-base-safetensors")
        let encoder = try Encoder(try CheckpointWeights(directory: fixture.directory))
        let batched = try encoder.forward(fixture.sequences, threads: 2)
        for (b, sequence) in fixture.sequences.enumerated() {
            let alone = try encoder.forward([sequence], threads: 1)
            XCTAssertLessThanOrEqual(zip(alone.sequence(0), batched.sequence(b)).map { abs($0 - $1) }.max()!, 1e-6)
        }
    }

    func testEmbeddingPooling() throws {
        let fixture = try CheckpointFixture(name: "distilbert-base-safetensors")
        let predictor = try Predictor(weights: try CheckpointWeights(directory: fixture.directory), task: .embed)
        let ids = fixture.sequences[1].ids
        let hidden = try XCTUnwrap(fixture.rows("last_hidden_state", positions: { _ in ids.count }))[1]
        let h = predictor.config.hiddenSize
        guard case .vector(let cls) = try predictor.embed(ids: [ids], pooling: .cls)[0].embedding,
              case .vector(let mean) = try predictor.embed(ids: [ids], pooling: .mean)[0].embedding,
              case .matrix(let all) = try predictor.embed(ids: [ids], pooling: .none)[0].embedding
        else { return XCTFail("wrong embedding shapes") }
        XCTAssertLessThanOrEqual(maxDifference(cls, hidden.prefix(h)), tolerance)
        let expectedMean = (0..<h).map { j in (0..<ids.count).map { hidden[$0 * h + j] }.reduce(0, +) / Double(ids.count) }
        XCTAssertLessThanOrEqual(maxDifference(mean, expectedMean), tolerance)
        XCTAssertEqual(all.count, ids.count)
        XCTAssertLessThanOrEqual(maxDifference(all.flatMap { $0 }, hidden), tolerance)
    }
}
