import Foundation
import Synchronization
import KoBERTProtocol

/// A deterministic stand-in model for tests and protocol work, selected only by
/// `kobertd --backend test`. Its "model file" is JSON:
/// `{"task": "nsmc", "version": "v1", "labels": ["negative", "positive"], "max_length": 64, "delay_ms": 0}`.
/// Predictions are a pure function of the text (its UTF-8 byte sum), so any two servers agree.
public final class TestBackend: InferenceBackend, Sendable {
    public let task: String
    public let version: String
    public let labels: [String]
    public let maxLength: Int
    public let delayMilliseconds: Int
    private let recorded = Mutex<[[InferenceItem]]>([])

    public init(task: String, version: String, labels: [String], maxLength: Int = 64, delayMilliseconds: Int = 0) {
        self.task = task; self.version = version; self.labels = labels
        self.maxLength = maxLength; self.delayMilliseconds = delayMilliseconds
    }

    /// Batch sizes seen, so tests can check that micro-batching grouped requests.
    public var batchSizes: [Int] { batches.map(\.count) }
    /// The items of each batch, in the order the batches ran (tests check the serving order).
    public var batches: [[InferenceItem]] { recorded.withLock { $0 } }

    public var manifest: JSONValue {
        ["backend": "test", "task": .string(task), "version": .string(version),
         "labels": .array(labels.map { .string($0) }), "max_length": .int(Int64(maxLength))]
    }

    public func predict(_ items: [InferenceItem]) -> [ItemResult] {
        recorded.withLock { $0.append(items) }
        if delayMilliseconds > 0 { usleep(useconds_t(delayMilliseconds * 1000)) }
        return items.map { item in
            switch (task, item) {
            case ("nsmc", .text(let t, _)): return .success(Self.sentiment(t, labels: labels, maxLength: maxLength))
            case ("ner", .text(let t, _)): return .success(Self.entities(t, maxLength: maxLength))
            case ("embed", .text(let t, let pooling)): return .success(Self.embedding(t, pooling: pooling))
            case ("qa", .question(let q, let c)): return .success(Self.answer(question: q, context: c))
            default: return .failure(RPCError(.invalidParams, "the \(task) model cannot answer this request"))
            }
        }
    }

    public func tokenize(_ text: String) throws -> [TokenPieceResult] {
        var tokens: [TokenPieceResult] = [], position = 0
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            let length = word.unicodeScalars.count
            if length > 0 {
                tokens.append(TokenPieceResult(piece: "▁" + word, id: Self.byteSum(String(word)) % 8002,
                                               start: position, end: position + length))
            }
            position += length + 1
        }
        return tokens
    }

    static func byteSum(_ text: String) -> Int { text.utf8.reduce(0) { $0 + Int($1) } }

    static func sentiment(_ text: String, labels: [String], maxLength: Int) -> JSONValue {
        let p = Double(byteSum(text) % 101) / 100.0
        let probs = labels.count == 2 ? [1 - p, p] : labels.map { _ in 1.0 / Double(max(labels.count, 1)) }
        let best = probs.indices.max(by: { probs[$0] < probs[$1] }) ?? 0
        var o: [String: JSONValue] = ["label": .string(labels.indices.contains(best) ? labels[best] : "LABEL_\(best)"),
                                      "score": .double(probs[best]), "probs": .array(probs.map { .double($0) })]
        if text.unicodeScalars.count > maxLength { o["truncated"] = true }
        return .object(o)
    }

    /// Every capitalised ASCII word or word of ≥ 3 Hangul syllables is an entity.
    static func entities(_ text: String, maxLength: Int) -> JSONValue {
        var entities: [JSONValue] = [], position = 0
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            let length = word.unicodeScalars.count
            if let first = word.unicodeScalars.first, position + length <= maxLength,
               (first.properties.isUppercase || (length >= 3 && (0xAC00...0xD7A3).contains(first.value))) {
                entities.append(["text": .string(String(word)), "label": first.properties.isUppercase ? "PER" : "LOC",
                                 "start": .int(Int64(position)), "end": .int(Int64(position + length)), "score": 0.9])
            }
            position += length + 1
        }
        var o: [String: JSONValue] = ["entities": .array(entities)]
        if text.unicodeScalars.count > maxLength { o["truncated"] = true }
        return .object(o)
    }

    static func embedding(_ text: String, pooling: Pooling) -> JSONValue {
        let seed = byteSum(text) + (pooling == .mean ? 7 : 0)
        return .array((0..<8).map { .double(Double((seed * (2 * $0 + 1)) % 97) / 97.0) })
    }

    /// The first word of the context that also appears in the question, else the first word.
    static func answer(question: String, context: String) -> JSONValue {
        let words = context.split(separator: " ")
        let pick = words.first(where: { question.contains($0) }) ?? words.first ?? ""
        let start = context.range(of: pick).map { context.unicodeScalars.distance(from: context.unicodeScalars.startIndex, to: $0.lowerBound) } ?? 0
        return ["answer": .string(String(pick)), "start": .int(Int64(start)),
                "end": .int(Int64(start + pick.unicodeScalars.count)), "score": 0.5]
    }
}

/// Loads `TestBackend`s from their JSON files; anything else (missing, not JSON, wrong task) throws.
public struct TestBackendLoader: BackendLoader {
    public init() {}

    public func load(task: String, path: String) throws -> any InferenceBackend {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelLoadError("\(path): cannot read the model file")
        }
        guard let json = JSONValue.parse(Array(data)), let fileTask = json["task"]?.stringValue else {
            throw ModelLoadError("\(path): not a test model (expected JSON with \"task\")")
        }
        guard fileTask == task else { throw ModelLoadError("\(path): model is for task \(fileTask), not \(task)") }
        let defaultLabels: [String] = task == "nsmc" ? ["negative", "positive"] : []
        let labels = json["labels"]?.arrayValue?.compactMap(\.stringValue) ?? defaultLabels
        return TestBackend(task: task, version: json["version"]?.stringValue ?? "0",
                           labels: labels, maxLength: Int(json["max_length"]?.intValue ?? 64),
                           delayMilliseconds: Int(json["delay_ms"]?.intValue ?? 0))
    }
}

/// A model that could not be loaded: one line naming the file.
public struct ModelLoadError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
