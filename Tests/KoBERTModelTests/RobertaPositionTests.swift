import XCTest
import KoBERTCore
@testable import KoBERTModel
@testable import KoBERTRuntime

/// RoBERTa / XLM-R specifics the fixture parity does not reach: the length limit counts only
/// non-padding tokens from `pad_token_id + 1`, one segment, and the pair layout <s> A </s></s> B </s>.
final class RobertaPositionTests: XCTestCase {
    func testLengthLimitIsThePositionsAfterThePaddingRow() throws {
        let encoder = try Encoder(try fixtureWeights("roberta-base-safetensors"))   // 66 position rows, <pad> = 1
        XCTAssertEqual(encoder.maxSequenceLength, 64)
        let full = [0] + [Int](repeating: 7, count: 62) + [2]
        XCTAssertNoThrow(try encoder.forward([TokenSequence(ids: full)]))
        XCTAssertEqual(errorMessage { try encoder.forward([TokenSequence(ids: full + [9])]) },
                       "sequence of 65 tokens is longer than the model's 64 positions")
        // <pad> ids take the padding row and do not use up positions.
        XCTAssertNoThrow(try encoder.forward([TokenSequence(ids: full + [1, 1, 1])]))
    }

    func testPaddingIdsTakeThePaddingPositionRow() throws {
        let embeddings = try Embeddings(try fixtureWeights("xlm-roberta-base-safetensors"))
        XCTAssertEqual(embeddings.positionRows([0, 5, 1, 6, 2, 1]), [2, 3, 1, 4, 5, 1])
        let bert = try Embeddings(try fixtureWeights("bert-base-safetensors"))
        XCTAssertEqual(bert.positionRows([2, 5, 1, 3]), [0, 1, 2, 3])
    }

    func testQuestionAnsweringFindsTheContextBetweenDoubleSeparators() throws {
        let predictor = try Predictor(weights: try fixtureWeights("roberta-qa-safetensors"), task: .qa)
        // Without a tokenizer, RoBERTa's own specials: <s>=0, </s>=2.
        XCTAssertEqual(predictor.separatorId, 2)
        let ids = [0, 11, 12, 2, 2, 21, 22, 23, 2]
        XCTAssertEqual(predictor.contextPositions(ids), [5, 6, 7])
        // No segment ids are invented for RoBERTa (its table has one row): this must not throw.
        let answer = try XCTUnwrap(predictor.answer(ids: [ids]).first)
        XCTAssertTrue((5...8).contains(answer.start) && answer.end <= 8, "\(answer.start)..<\(answer.end)")
        let bert = try Predictor(weights: try fixtureWeights("bert-qa-safetensors"), task: .qa)
        XCTAssertEqual(bert.contextPositions([2, 11, 3, 21, 22, 3]), [3, 4])
    }
}
