import Foundation
import KoBERTCore
import KoBERTModel
import KoBERTFormat
import KoBERTRuntime
import KoBERTProtocol

/// Serves a real model: a packed .kbt file or a Hugging Face folder, opened by KoBERTRuntime's
/// ModelLoader, answering through its Predictor. Results are reshaped into the wire
/// shapes of PROTOCOL.md (the predictor's logits are left out to keep responses small).
final class PackBackend: InferenceBackend, Sendable {
    let task: String
    let predictor: Predictor
    let manifest: JSONValue

    init(task: String, predictor: Predictor, manifest: JSONValue) {
        self.task = task; self.predictor = predictor; self.manifest = manifest
    }

    func predict(_ items: [InferenceItem]) -> [ItemResult] {
        do { return try predictBatch(items) }
        catch {
            // One bad input must not fail its batch-mates: retry one by one to find it.
            guard items.count > 1 else { return [.failure(RPCError(.inferenceFailed, "\(error)"))] }
            return items.map { item in
                do { return try predictBatch([item])[0] }
                catch { return .failure(RPCError(.inferenceFailed, "\(error)")) }
            }
        }
    }

    private func predictBatch(_ items: [InferenceItem]) throws -> [ItemResult] {
        switch predictor.task {
        case .nsmc:
            let out = try predictor.classify(texts(items))
            return out.map { c in
                let best = c.probs.max() ?? 0
                return Result { try JSONValue(encoding: SentimentPrediction(label: c.label, score: Double(best),
                                                                            probs: c.probs.map(Double.init),
                                                                            truncated: c.truncated == true ? true : nil)) }
                    .mapError { RPCError(.internalError, "\($0)") }
            }
        case .ner:
            let out = try predictor.ner(texts(items))
            return out.map { t in
                let entities = t.entities.map { KoBERTProtocol.Entity(text: $0.text, label: $0.label, start: $0.start, end: $0.end, score: Double($0.score)) }
                return Result { try JSONValue(encoding: NERPrediction(entities: entities, truncated: t.truncated == true ? true : nil)) }
                    .mapError { RPCError(.internalError, "\($0)") }
            }
        case .qa:
            let pairs: [(question: String, context: String)] = try items.map {
                guard case .question(let q, let c) = $0 else { throw KoBERTError("qa needs a question and a context") }
                return (q, c)
            }
            return try predictor.answer(pairs).map { a in
                Result { try JSONValue(encoding: QAAnswer(answer: a.answer, start: a.start, end: a.end, score: Double(a.score),
                                                          truncated: a.truncated == true ? true : nil)) }
                    .mapError { RPCError(.internalError, "\($0)") }
            }
        case .embed:
            // Items may ask for different poolings: run each pooling's texts as one batch.
            var results = [ItemResult?](repeating: nil, count: items.count)
            for pooling in [KoBERTProtocol.Pooling.cls, .mean] {
                let indices = items.indices.filter { if case .text(_, pooling) = items[$0] { return true }; return false }
                guard !indices.isEmpty else { continue }
                let modelPooling: KoBERTModel.Pooling = pooling == .cls ? .cls : .mean
                let out = try predictor.embed(indices.map { i -> String in
                    if case .text(let t, _) = items[i] { return t }; return ""
                }, pooling: modelPooling)
                for (i, e) in zip(indices, out) {
                    guard case .vector(let v) = e.embedding else {
                        results[i] = .failure(RPCError(.internalError, "embedding is not a vector")); continue
                    }
                    results[i] = .success(.array(v.map { .double(Double($0)) }))
                }
            }
            return results.map { $0 ?? .failure(RPCError(.invalidParams, "embed takes texts")) }
        }
    }

    private func texts(_ items: [InferenceItem]) throws -> [String] {
        try items.map {
            guard case .text(let t, _) = $0 else { throw KoBERTError("\(task) takes texts, not question/context pairs") }
            return t
        }
    }

    func tokenize(_ text: String) throws -> [TokenPieceResult] {
        guard let tokenizer = predictor.tokenizer else {
            throw RPCError(.modelNotLoaded, "the \(task) model has no tokenizer")
        }
        return tokenizer.tokenize(text).map { TokenPieceResult(piece: $0.piece, id: $0.id, start: $0.start, end: $0.end) }
    }
}

/// Opens models with KoBERTRuntime's ModelLoader. `threads` is per forward pass (intra-op); the
/// engine's worker count times this should not exceed the cores.
public struct PackBackendLoader: BackendLoader {
    public var threads: Int
    public var tokenizerDirectory: String?

    public init(threads: Int = 1, tokenizerDirectory: String? = nil) {
        self.threads = threads; self.tokenizerDirectory = tokenizerDirectory
    }

    public func load(task: String, path: String) throws -> any InferenceBackend {
        guard let wanted = ModelTask(rawValue: task) else {
            throw ModelLoadError("unknown task \"\(task)\" (nsmc, ner, qa, embed)")
        }
        let predictor = try ModelLoader.load(path: path, task: wanted, threads: threads, tokenizerDirectory: tokenizerDirectory)
        let config = predictor.config
        var isDirectory: ObjCBool = false
        FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        var manifest: [String: JSONValue] = [
            "task": .string(predictor.task.rawValue),
            "format": .string(isDirectory.boolValue ? "huggingface-folder" : "packed"),
            "architecture": .string(config.architecture.rawValue),
            "layers": .int(Int64(config.numLayers)), "hidden_size": .int(Int64(config.hiddenSize)),
            "heads": .int(Int64(config.numHeads)), "vocab_size": .int(Int64(config.vocabSize)),
            "max_positions": .int(Int64(config.maxPositions)),
            "labels": .array(predictor.labels.map { .string($0) }),
            "tokenizer": .bool(predictor.tokenizer != nil),
        ]
        if let size { manifest["file_bytes"] = .int(Int64(size)) }
        if !isDirectory.boolValue, let packed = try? PackFile(path: path), let json = try? JSONValue(encoding: packed.manifest) {
            manifest["pack"] = Self.summary(of: json)
        }
        return PackBackend(task: task, predictor: predictor, manifest: .object(manifest))
    }

    /// The pack manifest without its per-tensor table (which would make `info` huge).
    static func summary(of manifest: JSONValue) -> JSONValue {
        guard case .object(var o) = manifest else { return manifest }
        for key in o.keys where o[key]?.arrayValue.map({ $0.count > 16 }) == true { o[key] = .string("(\(o[key]!.arrayValue!.count) entries)") }
        return .object(o)
    }
}
