import Foundation
import KoBERTCheckpoint
import KoBERTClient
import KoBERTCore
import KoBERTModel
import KoBERTRuntime
import KoBERTProtocol
import KoBERTTokenizer
@testable import KoBERTServer
import XCTest

/// The daemon in front of real encoders: the tiny DistilBERT fixtures (2 layers, dim 32) with
/// their word-embedding table widened to KoBERT's 8002 pieces (seeded random rows) so the
/// committed KoBERT tokenizer can feed them text. Served answers must equal the predictor's
/// own (what `kobert predict` prints), whatever batch each text landed in.
final class RealModelTests: XCTestCase {
    static func tinyPredictor(_ fixture: String, task: ModelTask) throws -> Predictor {
        let dir = repositoryRoot.appendingPathComponent("Tests/Fixtures/checkpoints/\(fixture)").path
        let tokenizerDir = repositoryRoot.appendingPathComponent("models/tokenizer").path
        guard FileManager.default.fileExists(atPath: dir), FileManager.default.fileExists(atPath: tokenizerDir + "/vocab.txt") else {
            throw XCTSkip("fixture \(fixture) or models/tokenizer missing")
        }
        var checkpoint = try Checkpoint.load(directory: dir)
        let vocab = 8002, dim = checkpoint.config.hiddenSize
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let rows = (0..<vocab * dim).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 25_000
        }
        checkpoint.config.vocabSize = vocab
        checkpoint.tensors["embeddings.word_embeddings.weight"] = Tensor(shape: [vocab, dim], data: rows)
        let tokenizer = try KoBertTokenizer(directory: tokenizerDir)
        return try Predictor(weights: CheckpointWeights(config: checkpoint.config, tensors: checkpoint.tensors, source: dir),
                             task: task, tokenizer: tokenizer, threads: 1)
    }

    struct FixedLoader: BackendLoader {
        let backends: [String: any InferenceBackend]
        func load(task: String, path: String) throws -> any InferenceBackend {
            guard let b = backends[task] else { throw ModelLoadError("\(path): no such test model") }
            return b
        }
    }

    func testServedPredictionsEqualThePredictorsOwn() async throws {
        let nsmc = try Self.tinyPredictor("distilbert-seqcls-safetensors", task: .nsmc)
        let ner = try Self.tinyPredictor("distilbert-tokcls-safetensors", task: .ner)
        let dir = TempDirectory()
        let registry = ModelRegistry(specs: [ModelSpec(task: "nsmc", path: "tiny-nsmc"), ModelSpec(task: "ner", path: "tiny-ner")],
                                     loader: FixedLoader(backends: ["nsmc": PackBackend(task: "nsmc", predictor: nsmc, manifest: [:]),
                                                                    "ner": PackBackend(task: "ner", predictor: ner, manifest: [:])]))
        try registry.loadAll()
        let server = KoBERTServer(configuration: ServerConfiguration(socketPath: dir.file("k.sock"),
                                                                     engine: .init(threads: 2, maxBatch: 8, maxWaitNanoseconds: 5_000_000)),
                                  registry: registry, logger: quietLogger)
        try await server.start()
        let texts = ["정말 재미있는 영화였어요", "최악이다", "배우들 연기가 좋았다 ㅎㅎ", "이순신은 한산도에서 싸웠다",
                     "그냥 그랬음", "세종대왕이 한글을 만들었다", "두 번 봤어요!!", "별로"]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for c in 0..<16 {
                group.addTask {
                    let client = try KoBERTClient(socketPath: dir.file("k.sock"))
                    defer { client.close() }
                    for i in 0..<texts.count {
                        let text = texts[(i + c) % texts.count]
                        let served = try await client.nsmc([text])[0]
                        let direct = try nsmc.classify([text])[0]
                        XCTAssertEqual(served.label, direct.label, text)
                        for (a, b) in zip(served.probs, direct.probs) { XCTAssertEqual(a, Double(b), accuracy: 1e-5, text) }
                        let entities = try await client.ner([text])[0].entities
                        let expected = try ner.ner([text])[0].entities
                        XCTAssertEqual(entities.map(\.label), expected.map(\.label), text)
                        XCTAssertEqual(entities.map(\.start), expected.map(\.start), text)
                        XCTAssertEqual(entities.map(\.end), expected.map(\.end), text)
                        for e in entities {
                            let scalars = Array(text.unicodeScalars)
                            XCTAssertEqual(e.text, String(String.UnicodeScalarView(scalars[e.start..<e.end])), "code-point offsets")
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let tokens = try KoBERTClient(socketPath: dir.file("k.sock"))
        let pieces = try await tokens.tokenize(["한국어 문장"], model: "nsmc")
        XCTAssertEqual(pieces[0].map(\.id), nsmc.tokenizer!.tokenize("한국어 문장").map(\.id))
        tokens.close()
        await server.shutdown()
    }

    /// A model whose vocabulary (100 ids) does not fit the fallback tokenizer's (8002): the loader
    /// attaches no tokenizer, so each text request fails with a one-line -32006 "needs a tokenizer"
    /// error; the daemon keeps serving.
    func testModelErrorsBecomeInferenceFailedResponses() async throws {
        let dir = TempDirectory()
        let fixture = repositoryRoot.appendingPathComponent("Tests/Fixtures/checkpoints/distilbert-seqcls-safetensors").path
        let tokenizerDir = repositoryRoot.appendingPathComponent("models/tokenizer").path
        guard FileManager.default.fileExists(atPath: tokenizerDir + "/vocab.txt") else { throw XCTSkip("models/tokenizer missing") }
        let registry = ModelRegistry(specs: [ModelSpec(task: "nsmc", path: fixture)],
                                     loader: PackBackendLoader(threads: 1, tokenizerDirectory: tokenizerDir))
        try registry.loadAll()
        let server = KoBERTServer(configuration: ServerConfiguration(socketPath: dir.file("k.sock"), engine: .init(threads: 1)),
                                  registry: registry, logger: quietLogger)
        try await server.start()
        let client = try KoBERTClient(socketPath: dir.file("k.sock"))
        do {
            _ = try await client.nsmc(["정말 재미있는 영화였어요 최고"])
            XCTFail("a vocabulary of 100 cannot take KoBERT's token ids")
        } catch let e as RPCError {
            XCTAssertEqual(e.code, RPCErrorCode.inferenceFailed.rawValue)
            XCTAssertFalse(e.message.contains("\n"), e.message)
            XCTAssertTrue(e.message.contains("tokenizer"), e.message)
        }
        let info = try await client.info()
        XCTAssertEqual(info["models"]?["nsmc"]?["manifest"]?["format"], "huggingface-folder")
        XCTAssertEqual(info["models"]?["nsmc"]?["manifest"]?["labels"], ["negative", "positive"])
        client.close()
        await server.shutdown()
    }
}
