/// The one range check every configuration passes, whether it comes from a folder's config.json
/// or from a packed file's manifest, before anything is sized from it. The limits are stated in
/// FORMAT.md ("Configuration limits"); they are far above any BERT and far below what would
/// overflow or exhaust memory when the encoder is built.
extension ModelConfig {
    public enum Limits {
        public static let vocabSize = 1 << 24
        public static let hiddenSize = 1 << 16
        public static let intermediateSize = 1 << 18
        public static let numLayers = 256
        public static let maxPositions = 1 << 16
        public static let typeVocabSize = 1 << 16
        public static let labels = 1 << 16
    }

    /// Throws one line naming `file` and the first value out of range. Files need at least one
    /// layer; `minimumLayers: 0` is for encoders cut short on purpose (the quantizer's per-layer errors).
    public func validate(file: String, minimumLayers: Int = 1) throws {
        func require(_ condition: Bool, _ detail: @autoclosure () -> String) throws {
            if !condition { throw KoBERTError("\(file): \(detail())") }
        }
        try require((1...Limits.vocabSize).contains(vocabSize), "vocab_size \(vocabSize) out of range 1…\(Limits.vocabSize)")
        try require((1...Limits.hiddenSize).contains(hiddenSize), "hidden size \(hiddenSize) out of range 1…\(Limits.hiddenSize)")
        try require((minimumLayers...Limits.numLayers).contains(numLayers),
                    "layer count \(numLayers) out of range \(minimumLayers)…\(Limits.numLayers)")
        try require((1...hiddenSize).contains(numHeads) && hiddenSize % numHeads == 0,
                    "hidden size \(hiddenSize) is not divisible into \(numHeads) heads")
        try require((1...Limits.intermediateSize).contains(intermediateSize),
                    "intermediate size \(intermediateSize) out of range 1…\(Limits.intermediateSize)")
        try require((1...Limits.maxPositions).contains(maxPositions),
                    "max_position_embeddings \(maxPositions) out of range 1…\(Limits.maxPositions)")
        // DistilBERT has no token types (0); BERT needs at least one.
        try require(architecture == .distilbert ? typeVocabSize == 0 : (1...Limits.typeVocabSize).contains(typeVocabSize),
                    "type_vocab_size \(typeVocabSize) out of range")
        try require(layerNormEps.isFinite && layerNormEps > 0 && layerNormEps <= 1, "layer_norm_eps \(layerNormEps) out of range (0, 1]")
        try require((0..<vocabSize).contains(padTokenId), "pad_token_id \(padTokenId) outside the vocabulary")
        // RoBERTa's positions start after the padding row; at least one must remain.
        try require(firstPosition < maxPositions,
                    "max_position_embeddings \(maxPositions) leaves no position after pad_token_id \(padTokenId) (RoBERTa counts from pad_token_id + 1)")
        try require(id2label.count <= Limits.labels, "id2label has \(id2label.count) labels, more than \(Limits.labels)")
        let ids = id2label.keys.sorted()
        try require(ids == Array(0..<ids.count), "id2label ids must be 0…\(max(ids.count - 1, 0)), got \(ids.prefix(8))")
    }
}
