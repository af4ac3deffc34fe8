import XCTest
import KoBERTCore
import KoBERTTokenizer
@testable import KoBERTModel
@testable import KoBERTRuntime

/// Text in, offsets out: the tokenizer of models/tokenizer in front of a tiny fixture whose word
/// table is widened to KoBERT's 8002 ids (seeded values), so real Korean text can run through it.
final class TextPathTests: XCTestCase {
    static let tokenizerFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("models/tokenizer").path

    private func predictor(_ fixture: String, task: ModelTask) throws -> Predictor {
        let source = try CheckpointWeights(directory: CheckpointFixture.folder(fixture))
        var tensors = source.tensors
        let dim = source.config.hiddenSize
        var state: UInt32 = 12345
        let words = (0..<8002 * dim).map { _ -> Float in
            state = state &* 1_664_525 &+ 1_013_904_223
            return Float(Int32(bitPattern: state >> 8) - 8_388_608) / 8_388_608
        }
        tensors["embeddings.word_embeddings.weight"] = Tensor(shape: [8002, dim], data: words)
        let weights = CheckpointWeights(config: source.config, tensors: tensors, source: fixture)
        let tokenizer = try KoBertTokenizer(directory: TextPathTests.tokenizerFolder)
        return try Predictor(weights: weights, task: task, tokenizer: tokenizer)
    }

    private func slice(_ text: String, _ start: Int, _ end: Int) -> String {
        let scalars = Array(text.unicodeScalars)
        var view = String.UnicodeScalarView(); view.append(contentsOf: scalars[start..<end])
        return String(view)
    }

    func testEntitiesAreSlicesOfTheInput() throws {
        let predictor = try predictor("distilbert-tokcls-safetensors", task: .ner)
        let texts = ["이순신은 한산도에서 왜군과 싸웠다", "  서울 시청 앞에서 김철수 씨를 만났다 ", "😀 이모지 뒤의 부산"]
        let results = try predictor.ner(texts)
        var entityCount = 0
        for (text, result) in zip(texts, results) {
            let pieces = try XCTUnwrap(predictor.tokenizer).tokenize(text)
            XCTAssertEqual(result.tokens, pieces.map(\.piece), "tokens are the text's pieces, no [CLS]/[SEP]")
            XCTAssertEqual(result.tags.count, result.tokens.count)
            XCTAssertEqual(result.logits.count, result.tokens.count)
            for entity in result.entities {
                XCTAssertLessThan(entity.start, entity.end)
                XCTAssertEqual(entity.text, slice(text, entity.start, entity.end), "offsets are code points into \(text)")
                XCTAssertEqual(entity.text, entity.text.trimmingCharacters(in: .whitespaces))
                XCTAssertTrue(["PER", "LOC"].contains(entity.label))
                entityCount += 1
            }
        }
        XCTAssertGreaterThan(entityCount, 0, "the seeded model tags something")
    }

    func testAnswerIsASliceOfTheContext() throws {
        let predictor = try predictor("bert-qa-safetensors", task: .qa)
        let items = [(question: "누가 싸웠나?", context: "이순신은 1592년 한산도에서 왜군과 싸웠다."),
                     (question: "어디?", context: "😀 부산 해운대")]
        for (item, answer) in zip(items, try predictor.answer(items)) {
            XCTAssertLessThan(answer.start, answer.end)
            XCTAssertEqual(answer.answer, slice(item.context, answer.start, answer.end))
            XCTAssertGreaterThan(answer.score, 0)
            XCTAssertEqual(answer.truncated, false)
        }
        // A context cut by --max-length still answers inside what is left of it.
        let long = (question: "무엇?", context: String(repeating: "한산도 대첩 ", count: 40))
        let cut = try predictor.answer([long], maxLength: 24)[0]
        XCTAssertEqual(cut.truncated, true)
        XCTAssertEqual(cut.startLogits.count, 24)
        XCTAssertEqual(cut.answer, slice(long.context, cut.start, cut.end))
    }

    func testClassifyAndEmbedText() throws {
        let classifier = try predictor("bert-seqcls-safetensors", task: .nsmc)
        let result = try classifier.classify(["정말 재미있는 영화였어요", "별로"])
        XCTAssertEqual(result.count, 2)
        XCTAssertEqual(result[0].truncated, false)
        let embedder = try predictor("distilbert-base-safetensors", task: .embed)
        let vectors = try embedder.embed(["정말 재미있는 영화였어요"], pooling: .none)
        guard case .matrix(let rows) = vectors[0].embedding else { return XCTFail("none pooling gives one vector per token") }
        XCTAssertEqual(rows.count, try XCTUnwrap(embedder.tokenizer).encode("정말 재미있는 영화였어요").ids.count)
    }
}
