import Foundation
import Synchronization
import KoBERTProtocol

/// Turns a validated request into a result: inference methods go through the engine,
/// health/info/stats are answered at once. No NIO here; `completion` may run on any thread.
public final class RequestDispatcher: Sendable {
    public static let version = "0.1.0"
    public static let protocolVersion = 1

    let configuration: ServerConfiguration
    let registry: ModelRegistry
    let engine: InferenceEngine
    let stats: ServerStats
    private let startedAt = Date()
    private let _draining = Atomic<Bool>(false)
    private let _listenerDescription = Mutex<JSONValue>(.null)
    var listenerDescription: JSONValue {
        get { _listenerDescription.withLock { $0 } }
        set { _listenerDescription.withLock { $0 = newValue } }
    }

    init(configuration: ServerConfiguration, registry: ModelRegistry, engine: InferenceEngine, stats: ServerStats) {
        self.configuration = configuration; self.registry = registry; self.engine = engine; self.stats = stats
    }

    var draining: Bool {
        get { _draining.load(ordering: .acquiring) }
        set { _draining.store(newValue, ordering: .releasing) }
    }

    /// `connection` names the sender for the engine's round-robin between connections.
    public func dispatch(_ request: RPCRequest, from connection: ConnectionID = 0,
                         completion: @escaping (Result<JSONValue, RPCError>) -> Void) {
        stats.recordAccepted()
        let started = DispatchTime.now().uptimeNanoseconds
        // Unknown names are counted under one key so a client cannot grow the stats table.
        let method = RPCMethod(rawValue: request.method) == nil ? "(unknown)" : request.method
        let finish: (Result<JSONValue, RPCError>) -> Void = { [stats] outcome in
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            if case .failure(let e) = outcome { stats.recordRequest(method: method, latencySeconds: seconds, error: e) }
            else { stats.recordRequest(method: method, latencySeconds: seconds, error: nil) }
            completion(outcome)
        }
        guard let known = RPCMethod(rawValue: request.method) else {
            finish(.failure(RPCError(.methodNotFound, "unknown method \"\(request.method.prefix(100))\"",
                                     data: ["methods": .array(RPCMethod.allCases.map { .string($0.rawValue) })])))
            return
        }
        do {
            switch known {
            case .health: finish(.success(health()))
            case .info: finish(.success(info()))
            case .stats: finish(.success(stats.snapshot(queueDepth: engine.queueDepth)))
            case .nsmc, .ner:
                let params = try TextsParams.parse(request.params)
                try checkCount(params.texts.count)
                try enqueue(task: known.rawValue, items: params.texts.map { .text($0, pooling: .cls) }, from: connection, finish: finish) {
                    ["predictions": .array($0)]
                }
            case .embed:
                let params = try TextsParams.parse(request.params)
                try checkCount(params.texts.count)
                try enqueue(task: "embed", items: params.texts.map { .text($0, pooling: params.pooling) }, from: connection, finish: finish) {
                    ["embeddings": .array($0)]
                }
            case .qa:
                let params = try QAParams.parse(request.params)
                try enqueue(task: "qa", items: [.question(params.question, context: params.context)], from: connection, finish: finish) { $0[0] }
            case .tokenize:
                let params = try TextsParams.parse(request.params)
                try checkCount(params.texts.count)
                guard let task = params.model ?? registry.tasks.first else {
                    throw RPCError(.modelNotLoaded, "no model is loaded, so there is no tokenizer")
                }
                // Refused before any tokenizing when even a lower bound is over the limit.
                let limit = configuration.maxPiecesPerRequest
                let atLeast = Self.minimumPieces(params.texts, stoppingAbove: limit)
                if atLeast > limit {
                    throw RPCError(.inputTooLarge, "tokenize: these texts make more than \(limit) pieces, the limit per request (max-pieces)",
                                   data: ["limit": .int(Int64(limit))])
                }
                try enqueue(task: task, operation: .tokenize, items: params.texts.map { .text($0, pooling: .cls) },
                            from: connection, maxPieces: limit, finish: finish) {
                    ["tokens": .array($0)]
                }
            }
        } catch let error as RPCError {
            finish(.failure(error))
        } catch {
            finish(.failure(RPCError(.internalError, "\(error)")))
        }
    }

    private func checkCount(_ count: Int) throws {
        if count > configuration.maxTextsPerRequest {
            throw RPCError(.inputTooLarge, "\(count) texts in one request; the limit is \(configuration.maxTextsPerRequest)")
        }
    }

    /// Queues the items; the request fails as a whole if any item fails (data names the index).
    private func enqueue(task: String, operation: InferenceEngine.Operation = .predict, items: [InferenceItem],
                         from connection: ConnectionID, maxPieces: Int? = nil,
                         finish: @escaping (Result<JSONValue, RPCError>) -> Void,
                         assemble: @escaping ([JSONValue]) -> JSONValue) throws {
        if draining { throw RPCError(.shuttingDown, "kobertd is shutting down") }
        let refused = engine.submit(task: task, operation: operation, items: items, from: connection,
                                    maxPieces: maxPieces) { results in
            var values: [JSONValue] = []
            values.reserveCapacity(results.count)
            for (i, r) in results.enumerated() {
                switch r {
                case .success(let v): values.append(v)
                case .failure(var e):
                    e.data = e.data ?? ["index": .int(Int64(i))]
                    finish(.failure(e)); return
                }
            }
            finish(.success(assemble(values)))
        }
        if let refused { throw refused }
    }

    /// A lower bound on the pieces any tokenizer here makes of `texts`, counted in one cheap pass
    /// (stops once over `limit`): each run of characters between spaces that holds a letter or a
    /// digit is at least one piece (both tokenizers split at spaces; letters and digits survive
    /// normalization).
    static func minimumPieces(_ texts: [String], stoppingAbove limit: Int) -> Int {
        var count = 0
        for text in texts {
            var wordHasLetter = false
            for scalar in text.unicodeScalars {
                switch scalar {
                case " ", "\t", "\n", "\r":
                    if wordHasLetter { count += 1; wordHasLetter = false }
                    if count > limit { return count }
                default:
                    if !wordHasLetter && scalar.isLetterOrDigit { wordHasLetter = true }
                }
            }
            if wordHasLetter { count += 1 }
            if count > limit { return count }
        }
        return count
    }

    func health() -> JSONValue {
        ["status": .string(draining ? "draining" : "ok"),
         "models": .array(registry.tasks.map { .string($0) }),
         "uptime_seconds": .double(Date().timeIntervalSince(startedAt))]
    }

    func info() -> JSONValue {
        let iso = ISO8601DateFormatter()
        var models: [String: JSONValue] = [:]
        for entry in registry.loaded {
            models[entry.spec.task] = ["path": .string(entry.spec.path), "loaded_at": .string(iso.string(from: entry.loadedAt)),
                                       "generation": .int(Int64(entry.generation)), "manifest": entry.backend.manifest]
        }
        return ["name": "kobertd", "version": .string(Self.version), "protocol": .int(Int64(Self.protocolVersion)),
                "pid": .int(Int64(ProcessInfo.processInfo.processIdentifier)),
                "models": .object(models), "listener": listenerDescription, "limits": configuration.limitsJSON,
                "methods": .array(RPCMethod.allCases.map { .string($0.rawValue) })]
    }
}

extension Unicode.Scalar {
    /// Letters (not modifier letters) and decimal digits: what normalization never deletes.
    var isLetterOrDigit: Bool {
        if isASCII { return properties.isAlphabetic || ("0"..."9").contains(self) }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .otherLetter, .decimalNumber: return true
        default: return false
        }
    }
}
