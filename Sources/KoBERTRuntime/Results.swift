// What each task answers, shaped like the JSON lines of `kobert predict` (issue 2, item 5).

/// nsmc: `{"label": ..., "probs": [...], "logits": [...]}`.
public struct Classification: Codable, Sendable, Equatable {
    public var label: String
    public var probs: [Float]
    public var logits: [Float]
    /// Text input only: true when the text was cut to --max-length.
    public var truncated: Bool?
}

/// One named entity; `start` / `end` are code-point offsets into the input text (Python
/// slicing), or token indices [start, end) for token-id input.
public struct Entity: Codable, Sendable, Equatable {
    public var text: String
    public var label: String
    public var start: Int
    public var end: Int
    /// Mean probability of the predicted tag over the entity's words.
    public var score: Float
}

/// ner: one tag and one row of logits per token, and the entities they spell.
public struct TokenTagging: Codable, Sendable, Equatable {
    public var tokens: [String]
    public var tags: [String]
    public var logits: [[Float]]
    public var entities: [Entity]
    public var truncated: Bool?
}

/// qa: the best span of the context. `start` / `end` are code-point offsets into the context
/// (Python slicing), or token indices [start, end) for token-id input.
public struct Answer: Codable, Sendable, Equatable {
    public var answer: String
    public var start: Int
    public var end: Int
    /// P(start) · P(end), each a softmax over the context tokens.
    public var score: Float
    public var startLogits: [Float]
    public var endLogits: [Float]
    public var truncated: Bool?

    enum CodingKeys: String, CodingKey {
        case answer, start, end, score, truncated
        case startLogits = "start_logits", endLogits = "end_logits"
    }
}

/// embed: one vector (cls, mean) or one vector per token (none).
public struct Embedding: Codable, Sendable, Equatable {
    public enum Value: Codable, Sendable, Equatable {
        case vector([Float])
        case matrix([[Float]])

        public init(from decoder: any Swift.Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let vector = try? container.decode([Float].self) { self = .vector(vector) }
            else { self = .matrix(try container.decode([[Float]].self)) }
        }

        public func encode(to encoder: any Swift.Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .vector(let v): try container.encode(v)
            case .matrix(let m): try container.encode(m)
            }
        }
    }
    public var embedding: Value
    public var truncated: Bool?
}
