/// The methods kobertd serves. Inference methods name the task whose model answers them.
public enum RPCMethod: String, Sendable, CaseIterable {
    case nsmc, ner, qa, embed, tokenize, health, info, stats
}

public enum Pooling: String, Sendable, Codable, CaseIterable { case cls, mean }

/// `{"texts": [String]}` for nsmc, ner, tokenize; embed adds `"pooling"`; tokenize may name `"model"`.
public struct TextsParams: Sendable, Equatable {
    public var texts: [String]
    public var pooling: Pooling
    public var model: String?

    public init(texts: [String], pooling: Pooling = .cls, model: String? = nil) {
        self.texts = texts; self.pooling = pooling; self.model = model
    }

    /// Validates params; throws an `invalidParams` RPCError naming the offending field.
    public static func parse(_ params: JSONValue?) throws -> TextsParams {
        guard let o = params?.objectValue else { throw RPCError(.invalidParams, "params must be an object with \"texts\"") }
        guard let raw = o["texts"] else { throw RPCError(.invalidParams, "missing \"texts\" (an array of strings)") }
        guard let list = raw.arrayValue else { throw RPCError(.invalidParams, "\"texts\" must be an array of strings, got \(raw.typeName)") }
        var texts: [String] = []
        texts.reserveCapacity(list.count)
        for (i, item) in list.enumerated() {
            guard let s = item.stringValue else {
                throw RPCError(.invalidParams, "\"texts\"[\(i)] must be a string, got \(item.typeName)")
            }
            texts.append(s)
        }
        if texts.isEmpty { throw RPCError(.invalidParams, "\"texts\" is empty") }
        var pooling = Pooling.cls
        if let p = o["pooling"] {
            guard let s = p.stringValue, let value = Pooling(rawValue: s) else {
                throw RPCError(.invalidParams, "\"pooling\" must be \"cls\" or \"mean\"")
            }
            pooling = value
        }
        var model: String? = nil
        if let m = o["model"] {
            guard let s = m.stringValue else { throw RPCError(.invalidParams, "\"model\" must be a string") }
            model = s
        }
        return TextsParams(texts: texts, pooling: pooling, model: model)
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = ["texts": .array(texts.map { .string($0) })]
        if pooling != .cls { o["pooling"] = .string(pooling.rawValue) }
        if let model { o["model"] = .string(model) }
        return .object(o)
    }
}

/// `{"question": String, "context": String}` for qa.
public struct QAParams: Sendable, Equatable {
    public var question: String
    public var context: String

    public init(question: String, context: String) { self.question = question; self.context = context }

    public static func parse(_ params: JSONValue?) throws -> QAParams {
        guard let o = params?.objectValue else { throw RPCError(.invalidParams, "params must be an object with \"question\" and \"context\"") }
        guard let q = o["question"]?.stringValue else { throw RPCError(.invalidParams, "\"question\" must be a string") }
        guard let c = o["context"]?.stringValue else { throw RPCError(.invalidParams, "\"context\" must be a string") }
        return QAParams(question: q, context: c)
    }

    public var json: JSONValue { ["question": .string(question), "context": .string(context)] }
}

// MARK: Result shapes (what clients decode; backends produce the same keys)

/// One nsmc prediction: the label from the model's id2label, its probability, all probabilities.
public struct SentimentPrediction: Codable, Sendable, Equatable {
    public var label: String
    public var score: Double
    public var probs: [Double]
    public var truncated: Bool?
    public init(label: String, score: Double, probs: [Double], truncated: Bool? = nil) {
        self.label = label; self.score = score; self.probs = probs; self.truncated = truncated
    }
}

/// A named entity; `start`/`end` are code-point offsets into the input text (Python slicing).
public struct Entity: Codable, Sendable, Equatable {
    public var text: String
    public var label: String
    public var start: Int
    public var end: Int
    public var score: Double
    public init(text: String, label: String, start: Int, end: Int, score: Double) {
        self.text = text; self.label = label; self.start = start; self.end = end; self.score = score
    }
}

public struct NERPrediction: Codable, Sendable, Equatable {
    public var entities: [Entity]
    public var truncated: Bool?
    public init(entities: [Entity], truncated: Bool? = nil) { self.entities = entities; self.truncated = truncated }
}

public struct QAAnswer: Codable, Sendable, Equatable {
    public var answer: String
    public var start: Int
    public var end: Int
    public var score: Double
    public var truncated: Bool?
    public init(answer: String, start: Int, end: Int, score: Double, truncated: Bool? = nil) {
        self.answer = answer; self.start = start; self.end = end; self.score = score; self.truncated = truncated
    }
}

/// One token of `tokenize`: the piece, its vocabulary id, and code-point offsets.
public struct TokenPieceResult: Codable, Sendable, Equatable {
    public var piece: String
    public var id: Int
    public var start: Int
    public var end: Int
    public init(piece: String, id: Int, start: Int, end: Int) { self.piece = piece; self.id = id; self.start = start; self.end = end }
}
