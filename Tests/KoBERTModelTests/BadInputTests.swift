import XCTest
import KoBERTCore
@testable import KoBERTModel
@testable import KoBERTRuntime

/// Bad weights and bad input give one clear error naming what is wrong, never a trap.
final class BadInputTests: XCTestCase {
    func testOutOfRangeTokenIdsAreRejected() throws {
        let predictor = try Predictor(weights: try fixtureWeights("distilbert-seqcls-safetensors"), task: .nsmc)
        XCTAssertTrue(errorMessage { try predictor.classify(ids: [[2, 100, 3]]) }.contains("token id 100 is out of range 0..<100"))
        XCTAssertTrue(errorMessage { try predictor.classify(ids: [[2, -1, 3]]) }.contains("token id -1"))
        XCTAssertTrue(errorMessage { try predictor.classify(ids: [[]]) }.contains("empty"))
        let tooLong = [Int](repeating: 5, count: 65)
        XCTAssertTrue(errorMessage { try predictor.classify(ids: [tooLong]) }.contains("longer than the model's 64 positions"))
    }

    func testOutOfRangeTokenTypeIsRejected() throws {
        let encoder = try Encoder(try fixtureWeights("bert-base-safetensors"))
        let error = errorMessage { try encoder.forward([TokenSequence(ids: [2, 5, 3], typeIds: [0, 2, 0])]) }
        XCTAssertTrue(error.contains("token type id 2"), error)
    }

    func testMissingTensorIsNamed() throws {
        let source = try fixtureWeights("distilbert-seqcls-safetensors")
        var tensors = source.tensors
        tensors["transformer.layer.1.ffn.lin2.weight"] = nil
        let broken = CheckpointWeights(config: source.config, tensors: tensors, source: "broken-folder")
        let error = errorMessage { try Encoder(broken) }
        XCTAssertEqual(error, "broken-folder: tensor transformer.layer.1.ffn.lin2.weight is missing")
    }

    func testWrongShapeTensorIsNamed() throws {
        let error = errorMessage { try Predictor(weights: try fixtureWeights("broken-wrong-shape"), task: .nsmc) }
        XCTAssertTrue(error.contains("transformer.layer.0.attention.q_lin.weight has shape [32, 31], expected [32, 32]"), error)
        XCTAssertTrue(error.contains("broken-wrong-shape"), "names the folder: \(error)")
    }

    func testHeadMustMatchTheCheckpoint() throws {
        // config.json says DistilBertForSequenceClassification: no QA or NER head to run.
        let seqcls = try fixtureWeights("distilbert-seqcls-safetensors")
        let error = errorMessage { try Predictor(weights: seqcls, task: .qa) }
        XCTAssertTrue(error.contains("ForQuestionAnswering"), error)
        // Without `architectures`, the head tensors are what the task is checked against.
        var config = seqcls.config
        config.architectures = []
        let bare = CheckpointWeights(config: config, tensors: seqcls.tensors, source: "bare")
        XCTAssertEqual(errorMessage { try Predictor(weights: bare, task: .qa) },
                       "bare: --task qa contradicts the weights, which hold a sequence-classification head "
                       + "(pre_classifier.weight, classifier.weight); use --task embed or nsmc")
        XCTAssertNil(ModelTask(rawValue: "pos"), "only nsmc, ner, qa, embed exist")
    }

    func testTaskMismatchAndMissingTokenizer() throws {
        let predictor = try Predictor(weights: try fixtureWeights("distilbert-tokcls-safetensors"), task: .ner)
        XCTAssertTrue(errorMessage { try predictor.classify(ids: [[2, 5, 3]]) }.contains("loaded for --task ner, not nsmc"))
        XCTAssertTrue(errorMessage { try predictor.ner(["텍스트"]) }.contains("--ids"))
    }
}
