import Foundation

/// Reading a Hugging Face `config.json`. Keys a config leaves out take transformers' defaults
/// for that model type; keys of the wrong type or out of range are errors naming the file.
extension ModelConfig {
    public static func load(path: String) throws -> ModelConfig {
        guard FileManager.default.fileExists(atPath: path) else { throw KoBERTError("\(path): no such file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw KoBERTError("\(path): cannot read") }
        return try parse(json: data, file: path)
    }

    public static func parse(json data: Data, file: String) throws -> ModelConfig {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw KoBERTError("\(file): not valid JSON")
        }
        guard let dictionary = object as? [String: Any] else { throw KoBERTError("\(file): not a JSON object") }
        let fields = ConfigFields(dictionary, file: file)

        let modelType = try fields.string("model_type") ?? inferModelType(dictionary)
        let config: ModelConfig
        switch modelType {
        case "distilbert": config = try distilBERT(fields)
        case "bert": config = try bert(fields)
        case "roberta", "xlm-roberta": config = try roberta(fields, xlm: modelType == "xlm-roberta")
        case let other?:
            throw KoBERTError("\(file): unsupported model_type \"\(other)\" (expected distilbert, bert, roberta or xlm-roberta)")
        case nil:
            throw KoBERTError("\(file): no model_type, and the keys match neither distilbert nor bert")
        }
        try config.validate(file: file)
        return config
    }

    /// Configs from before model_type existed: recognise them by their architectures or keys.
    private static func inferModelType(_ dictionary: [String: Any]) -> String? {
        if let names = dictionary["architectures"] as? [String], let first = names.first {
            if first.hasPrefix("DistilBert") { return "distilbert" }
            if first.hasPrefix("Bert") { return "bert" }
            if first.hasPrefix("XLMRoberta") { return "xlm-roberta" }
            if first.hasPrefix("Roberta") { return "roberta" }
        }
        if dictionary["n_layers"] != nil, dictionary["dim"] != nil { return "distilbert" }
        if dictionary["num_hidden_layers"] != nil, dictionary["hidden_size"] != nil { return "bert" }
        return nil
    }

    private static func distilBERT(_ fields: ConfigFields) throws -> ModelConfig {
        ModelConfig(
            architecture: .distilbert,
            vocabSize: try fields.int("vocab_size") ?? 30522,
            hiddenSize: try fields.int("dim") ?? 768,
            numLayers: try fields.int("n_layers") ?? 6,
            numHeads: try fields.int("n_heads") ?? 12,
            intermediateSize: try fields.int("hidden_dim") ?? 3072,
            activation: try fields.activation("activation"),
            maxPositions: try fields.int("max_position_embeddings") ?? 512,
            typeVocabSize: 0,
            layerNormEps: 1e-12,  // fixed in transformers' DistilBERT
            padTokenId: try fields.int("pad_token_id") ?? 0,
            sinusoidalPositions: try fields.bool("sinusoidal_pos_embds") ?? false,
            architectures: try fields.strings("architectures"),
            id2label: try fields.labels())
    }

    private static func bert(_ fields: ConfigFields) throws -> ModelConfig {
        try bertLike(fields, architecture: .bert, vocabSize: 30522, typeVocabSize: 2, padTokenId: 0)
    }

    /// RobertaConfig / XLMRobertaConfig: BertConfig's keys; transformers' defaults differ only in
    /// vocab_size (50265 / 30522) and pad_token_id (1).
    private static func roberta(_ fields: ConfigFields, xlm: Bool) throws -> ModelConfig {
        try bertLike(fields, architecture: .roberta, vocabSize: xlm ? 30522 : 50265, typeVocabSize: 2, padTokenId: 1)
    }

    private static func bertLike(_ fields: ConfigFields, architecture: Architecture, vocabSize: Int, typeVocabSize: Int,
                                 padTokenId: Int) throws -> ModelConfig {
        if let kind = try fields.string("position_embedding_type"), kind != "absolute" {
            throw KoBERTError("\(fields.file): position_embedding_type \"\(kind)\" is not supported (only absolute)")
        }
        return ModelConfig(
            architecture: architecture,
            vocabSize: try fields.int("vocab_size") ?? vocabSize,
            hiddenSize: try fields.int("hidden_size") ?? 768,
            numLayers: try fields.int("num_hidden_layers") ?? 12,
            numHeads: try fields.int("num_attention_heads") ?? 12,
            intermediateSize: try fields.int("intermediate_size") ?? 3072,
            activation: try fields.activation("hidden_act"),
            maxPositions: try fields.int("max_position_embeddings") ?? 512,
            typeVocabSize: try fields.int("type_vocab_size") ?? typeVocabSize,
            layerNormEps: Float(try fields.double("layer_norm_eps") ?? 1e-12),
            padTokenId: try fields.int("pad_token_id") ?? padTokenId,
            sinusoidalPositions: false,
            architectures: try fields.strings("architectures"),
            id2label: try fields.labels())
    }
}

/// Typed access to a config's JSON object; every mismatch names the file and key.
private struct ConfigFields {
    let dictionary: [String: Any]
    let file: String

    init(_ dictionary: [String: Any], file: String) {
        self.dictionary = dictionary
        self.file = file
    }

    private func wrongType(_ key: String, _ expected: String) -> KoBERTError {
        KoBERTError("\(file): \(key) should be \(expected)")
    }

    /// nil when absent or JSON null.
    private func value(_ key: String) -> Any? {
        guard let value = dictionary[key], !(value is NSNull) else { return nil }
        return value
    }

    func int(_ key: String) throws -> Int? {
        guard let raw = value(key) else { return nil }
        guard let number = raw as? NSNumber else { throw wrongType(key, "an integer") }
        let double = number.doubleValue
        guard double == double.rounded(), abs(double) < 1e15 else { throw wrongType(key, "an integer") }
        return Int(double)
    }

    func double(_ key: String) throws -> Double? {
        guard let raw = value(key) else { return nil }
        guard let number = raw as? NSNumber else { throw wrongType(key, "a number") }
        return number.doubleValue
    }

    func bool(_ key: String) throws -> Bool? {
        guard let raw = value(key) else { return nil }
        guard let flag = raw as? Bool else { throw wrongType(key, "true or false") }
        return flag
    }

    func string(_ key: String) throws -> String? {
        guard let raw = value(key) else { return nil }
        guard let text = raw as? String else { throw wrongType(key, "a string") }
        return text
    }

    func strings(_ key: String) throws -> [String] {
        guard let raw = value(key) else { return [] }
        guard let list = raw as? [String] else { throw wrongType(key, "a list of strings") }
        return list
    }

    func activation(_ key: String) throws -> ModelConfig.Activation {
        let name = try string(key) ?? "gelu"
        switch name {
        case "gelu", "gelu_python": return .gelu   // both are the exact erf GELU
        case "relu": return .relu
        case "gelu_new": return .geluNew
        default: throw KoBERTError("\(file): \(key) \"\(name)\" is not supported (gelu, relu or gelu_new)")
        }
    }

    /// `id2label` with string keys ("0", "1", …); falls back to inverting `label2id`.
    func labels() throws -> [Int: String] {
        var result: [Int: String] = [:]
        if let raw = value("id2label") {
            guard let map = raw as? [String: Any] else { throw wrongType("id2label", "an object") }
            for (key, label) in map {
                guard let id = Int(key), let name = label as? String else {
                    throw wrongType("id2label", "a map from integer strings to names")
                }
                result[id] = name
            }
        } else if let raw = value("label2id") {
            guard let map = raw as? [String: Any] else { throw wrongType("label2id", "an object") }
            for (name, id) in map {
                guard let number = id as? NSNumber, number.doubleValue == number.doubleValue.rounded(),
                      abs(number.doubleValue) < 1e15 else { throw wrongType("label2id", "a map from names to integers") }
                result[Int(number.doubleValue)] = name
            }
        }
        return result
    }
}
