import Foundation
import KoBERTCore
import XCTest
@testable import KoBERTCheckpoint

final class ConfigParsingTests: XCTestCase {
    private func parse(_ json: String) throws -> ModelConfig {
        try ModelConfig.parse(json: Data(json.utf8), file: "test/config.json")
    }

    func testDistilBERTFixtureConfig() throws {
        let config = try ModelConfig.load(path: Fixtures.path("distilbert-seqcls-safetensors/config.json"))
        XCTAssertEqual(config.architecture, .distilbert)
        XCTAssertEqual(config.vocabSize, 100)
        XCTAssertEqual(config.hiddenSize, 32)
        XCTAssertEqual(config.numLayers, 2)
        XCTAssertEqual(config.numHeads, 4)
        XCTAssertEqual(config.intermediateSize, 64)
        XCTAssertEqual(config.activation, .gelu)
        XCTAssertEqual(config.maxPositions, 64)
        XCTAssertEqual(config.typeVocabSize, 0)
        XCTAssertEqual(config.layerNormEps, 1e-12)
        XCTAssertEqual(config.padTokenId, 1)
        XCTAssertFalse(config.sinusoidalPositions)
        XCTAssertEqual(config.architectures, ["DistilBertForSequenceClassification"])
        XCTAssertEqual(config.id2label, [0: "negative", 1: "positive"])
    }

    func testBERTFixtureConfig() throws {
        let config = try ModelConfig.load(path: Fixtures.path("bert-tokcls-zip/config.json"))
        XCTAssertEqual(config.architecture, .bert)
        XCTAssertEqual(config.hiddenSize, 32)
        XCTAssertEqual(config.numLayers, 2)
        XCTAssertEqual(config.numHeads, 4)
        XCTAssertEqual(config.intermediateSize, 64)
        XCTAssertEqual(config.typeVocabSize, 2)
        XCTAssertEqual(config.layerNormEps, 1e-12)
        XCTAssertEqual(config.architectures, ["BertForTokenClassification"])
        XCTAssertEqual(config.id2label, [0: "O", 1: "PER-B", 2: "PER-I", 3: "LOC-B", 4: "LOC-I"])
    }

    func testDefaultsAndInferredModelType() throws {
        // Early-2020 configs may lack model_type; keys and architectures identify them.
        let distil = try parse(#"{"dim": 768, "n_layers": 3, "n_heads": 12, "hidden_dim": 3072, "vocab_size": 8002, "sinusoidal_pos_embds": true}"#)
        XCTAssertEqual(distil.architecture, .distilbert)
        XCTAssertEqual(distil.maxPositions, 512)
        XCTAssertTrue(distil.sinusoidalPositions)
        XCTAssertEqual(distil.id2label, [:])
        let bert = try parse(#"{"architectures": ["BertModel"], "vocab_size": 8002, "layer_norm_eps": 1e-5, "hidden_act": "gelu_new"}"#)
        XCTAssertEqual(bert.architecture, .bert)
        XCTAssertEqual(bert.numLayers, 12)
        XCTAssertEqual(bert.layerNormEps, 1e-5)
        XCTAssertEqual(bert.activation, .geluNew)
        let labels = try parse(#"{"model_type": "bert", "label2id": {"neg": 0, "pos": 1}}"#)
        XCTAssertEqual(labels.id2label, [0: "neg", 1: "pos"])
    }

    func testRoBERTaAndXLMRConfigs() throws {
        let roberta = try ModelConfig.load(path: Fixtures.path("roberta-seqcls-safetensors/config.json"))
        XCTAssertEqual(roberta.architecture, .roberta)
        XCTAssertEqual(roberta.maxPositions, 66)
        XCTAssertEqual(roberta.padTokenId, 1)
        XCTAssertEqual(roberta.firstPosition, 2)
        XCTAssertEqual(roberta.maxSequenceLength, 64)
        XCTAssertEqual(roberta.typeVocabSize, 1)
        XCTAssertEqual(roberta.layerNormEps, 1e-5)
        let xlm = try ModelConfig.load(path: Fixtures.path("xlm-roberta-tokcls-safetensors/config.json"))
        XCTAssertEqual(xlm.architecture, .roberta)
        XCTAssertEqual(xlm.architectures, ["XLMRobertaForTokenClassification"])
        // transformers' defaults: pad_token_id 1, vocab_size 50265 (RoBERTa) / 30522 (XLM-R).
        let bare = try parse(#"{"model_type": "roberta"}"#)
        XCTAssertEqual(bare.padTokenId, 1)
        XCTAssertEqual(bare.vocabSize, 50265)
        XCTAssertEqual(try parse(#"{"model_type": "xlm-roberta"}"#).vocabSize, 30522)
        XCTAssertEqual(try parse(#"{"architectures": ["XLMRobertaForSequenceClassification"]}"#).architecture, .roberta)
        XCTAssertEqual(try parse(#"{"architectures": ["RobertaModel"], "vocab_size": 8}"#).architecture, .roberta)
        let plainBERT = try parse(#"{"model_type": "bert"}"#)
        XCTAssertEqual(plainBERT.firstPosition, 0)
        XCTAssertEqual(plainBERT.maxSequenceLength, 512)
        // Positions count from pad_token_id + 1: a table with no row after it is refused.
        assertKoBERTError(try parse(#"{"model_type": "roberta", "max_position_embeddings": 2}"#),
                          contains: ["test/config.json", "max_position_embeddings 2", "pad_token_id 1"])
    }

    func testUnknownModelTypeNamesTheFile() throws {
        let path = Fixtures.path("broken-config-gpt2/config.json")
        assertKoBERTError(try ModelConfig.load(path: path), contains: [path, "gpt2"])
        assertKoBERTError(try Checkpoint.load(directory: Fixtures.path("broken-config-gpt2")), contains: ["config.json", "gpt2"])
    }

    func testBadValuesAreOneLineErrors() {
        assertKoBERTError(try parse("{"), contains: ["test/config.json", "JSON"])
        assertKoBERTError(try parse("[1]"), contains: ["test/config.json"])
        assertKoBERTError(try parse(#"{"n_layers": 2}"#), contains: ["no model_type"])
        assertKoBERTError(try parse(#"{"model_type": "bert", "hidden_size": "big"}"#), contains: ["hidden_size"])
        assertKoBERTError(try parse(#"{"model_type": "bert", "hidden_size": 30, "num_attention_heads": 4}"#), contains: ["heads"])
        assertKoBERTError(try parse(#"{"model_type": "bert", "hidden_act": "swish"}"#), contains: ["swish"])
        assertKoBERTError(try parse(#"{"model_type": "bert", "position_embedding_type": "relative_key"}"#), contains: ["relative_key"])
        assertKoBERTError(try parse(#"{"model_type": "distilbert", "vocab_size": 10, "pad_token_id": 10}"#), contains: ["pad_token_id"])
        assertKoBERTError(try parse(#"{"model_type": "distilbert", "id2label": {"0": "a", "2": "b"}}"#), contains: ["id2label"])
        assertKoBERTError(try parse(#"{"model_type": "distilbert", "n_layers": -1}"#), contains: ["layer count"])
    }
}
