import XCTest
import KoBERTCore
@testable import KoBERTModel
@testable import KoBERTRuntime

/// The task from the head tensors when config.json has no `architectures`, and an explicit task
/// the weights contradict refused with one line.
final class TaskInferenceTests: XCTestCase {
    private func bare(_ name: String) throws -> CheckpointWeights {
        let weights = try CheckpointWeights(directory: CheckpointFixture.folder(name))
        var config = weights.config
        config.architectures = []
        return CheckpointWeights(config: config, tensors: weights.tensors, source: name)
    }

    private static let expected: [(head: String, task: ModelTask)] = [("seqcls", .nsmc), ("tokcls", .ner), ("qa", .qa), ("base", .embed)]

    func testHeadTensorsNameTheTask() throws {
        for architecture in ["distilbert", "bert", "roberta", "xlm-roberta"] {
            for (head, task) in Self.expected {
                let name = "\(architecture)-\(head)-safetensors"
                let withArchitectures = try CheckpointWeights(directory: CheckpointFixture.folder(name))
                XCTAssertEqual(TaskInference.infer(try bare(name)), task, name)
                XCTAssertEqual(TaskInference.infer(withArchitectures), task, "\(name) with architectures")
            }
        }
    }

    func testContradictingTaskIsOneLine() throws {
        for architecture in ["distilbert", "bert", "roberta", "xlm-roberta"] {
            for (head, task) in Self.expected {
                let weights = try bare("\(architecture)-\(head)-safetensors")
                for other in ModelTask.allCases {
                    let allowed = other == task || other == .embed
                        || (architecture == "bert" && head == "seqcls" && other == .ner)   // pooler + classifier: either
                    do {
                        try TaskInference.requireCompatible(other, weights)
                        XCTAssertTrue(allowed, "\(architecture)-\(head) accepted --task \(other)")
                    } catch let error as KoBERTError {
                        XCTAssertFalse(allowed, "\(architecture)-\(head) refused --task \(other): \(error)")
                        XCTAssertTrue(error.message.contains("--task \(other.rawValue) contradicts the weights"), error.message)
                        XCTAssertFalse(error.message.contains("\n"))
                    }
                }
            }
        }
        // The classifier alone would run as a token classifier without complaint: the check stops it.
        let seqcls = try bare("distilbert-seqcls-safetensors")
        XCTAssertThrowsError(try Predictor(weights: seqcls, task: .ner)) { error in
            XCTAssertEqual("\(error)", "distilbert-seqcls-safetensors: --task ner contradicts the weights, which hold a "
                           + "sequence-classification head (pre_classifier.weight, classifier.weight); use --task embed or nsmc")
        }
        XCTAssertNoThrow(try Predictor(weights: seqcls, task: .embed))
    }

    func testBertPoolerWithTagLabelsIsNER() throws {
        // transformers before 3.x saved BERT's pooler with token classifiers too; BIO labels tell them apart.
        let seqcls = try bare("bert-seqcls-safetensors")
        var config = seqcls.config
        XCTAssertEqual(TaskInference.infer(seqcls), .nsmc)
        config.id2label = [0: "O", 1: "B-PER", 2: "I-PER"]
        let tagged = CheckpointWeights(config: config, tensors: seqcls.tensors, source: "tagged")
        XCTAssertEqual(TaskInference.infer(tagged), .ner)
        config.id2label = [0: "O", 1: "PER-B", 2: "PER-I"]
        XCTAssertEqual(TaskInference.infer(CheckpointWeights(config: config, tensors: seqcls.tensors, source: "t")), .ner)
    }
}
