/// The model configuration, normalised from a Hugging Face `config.json` of model_type
/// `distilbert`, `bert`, `roberta` or `xlm-roberta`. Field names follow BERT's; DistilBERT's are
/// mapped in `parse`.
public struct ModelConfig: Sendable, Equatable, Codable {
    /// `roberta` covers RoBERTa and XLM-R: BERT's layers and weight names, positions counted from
    /// `padTokenId + 1`, and a sequence head of its own (`classifier.dense` → tanh → `classifier.out_proj`).
    public enum Architecture: String, Sendable, Codable { case distilbert, bert, roberta }
    public enum Activation: String, Sendable, Codable { case gelu, relu, geluNew = "gelu_new" }

    public var architecture: Architecture
    public var vocabSize: Int
    public var hiddenSize: Int
    public var numLayers: Int
    public var numHeads: Int
    public var intermediateSize: Int
    public var activation: Activation
    public var maxPositions: Int
    public var typeVocabSize: Int          // 0 for DistilBERT (no token types)
    public var layerNormEps: Float         // DistilBERT: 1e-12
    public var padTokenId: Int             // RoBERTa: also the position table's padding row
    public var sinusoidalPositions: Bool   // DistilBERT only; positions are read from the weights either way
    public var architectures: [String]     // e.g. ["DistilBertForSequenceClassification"]
    public var id2label: [Int: String]     // empty when the config has none

    public init(architecture: Architecture, vocabSize: Int, hiddenSize: Int, numLayers: Int,
                numHeads: Int, intermediateSize: Int, activation: Activation, maxPositions: Int,
                typeVocabSize: Int, layerNormEps: Float, padTokenId: Int, sinusoidalPositions: Bool,
                architectures: [String], id2label: [Int: String]) {
        self.architecture = architecture; self.vocabSize = vocabSize; self.hiddenSize = hiddenSize
        self.numLayers = numLayers; self.numHeads = numHeads; self.intermediateSize = intermediateSize
        self.activation = activation; self.maxPositions = maxPositions; self.typeVocabSize = typeVocabSize
        self.layerNormEps = layerNormEps; self.padTokenId = padTokenId
        self.sinusoidalPositions = sinusoidalPositions; self.architectures = architectures
        self.id2label = id2label
    }
}

extension ModelConfig {
    /// The first position row a real token takes: RoBERTa / XLM-R number positions from
    /// `padTokenId + 1` (transformers' `create_position_ids_from_input_ids`); BERT and DistilBERT from 0.
    public var firstPosition: Int { architecture == .roberta ? padTokenId + 1 : 0 }

    /// Whether a tokenizer's segment ids reach the model: BERT's do; DistilBERT has no token types,
    /// and RoBERTa / XLM-R have one (transformers passes none, so all are 0, whatever the pair
    /// template numbers them).
    public var takesSegmentIds: Bool { architecture == .bert }

    /// The most tokens one sequence may hold: the position rows from `firstPosition` on.
    public var maxSequenceLength: Int { maxPositions - firstPosition }

    /// The Linear whose output rows are the labels: RoBERTa's sequence head ends in
    /// `classifier.out_proj`, every other classifier in `classifier`.
    public func labelLinearName(sequenceClassification: Bool) -> String {
        architecture == .roberta && sequenceClassification ? "classifier.out_proj" : "classifier"
    }
}
