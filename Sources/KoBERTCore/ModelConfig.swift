/// The model configuration, normalised from a Hugging Face `config.json` of model_type
/// `distilbert` or `bert`. Field names follow BERT's; DistilBERT's are mapped in `parse`.
public struct ModelConfig: Sendable, Equatable, Codable {
    public enum Architecture: String, Sendable, Codable { case distilbert, bert }
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
    public var padTokenId: Int
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
