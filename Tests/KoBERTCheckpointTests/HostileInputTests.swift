import Foundation
import KoBERTCore
import XCTest
@testable import KoBERTCheckpoint

/// Hostile, truncated and corrupt files give one clear error naming the file — never a crash,
/// a hang, or anything executed.
final class HostileInputTests: XCTestCase {
    private func weights(_ folder: String, _ file: String = "pytorch_model.bin") -> String {
        Fixtures.path("\(folder)/\(file)")
    }

    func testHostilePicklesAreRefusedByName() {
        assertKoBERTError(try Checkpoint.load(directory: Fixtures.path("broken-hostile-legacy")),
                          contains: ["refusing global os.system in", weights("broken-hostile-legacy")])
        assertKoBERTError(try Checkpoint.load(directory: Fixtures.path("broken-hostile-zip")),
                          contains: ["refusing global builtins.eval in", weights("broken-hostile-zip")])
        assertKoBERTError(try Checkpoint.load(directory: Fixtures.path("broken-hostile-load-from-bytes")),
                          contains: ["refusing global torch.storage._load_from_bytes in"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/kobert-fixture-pwned"))
    }

    func testBrokenFixturesGiveErrorsNamingTheFile() {
        let cases: [(folder: String, fragments: [String])] = [
            ("broken-truncated-safetensors-header", [weights("broken-truncated-safetensors-header", "model.safetensors"), "header"]),
            ("broken-safetensors-bad-offsets", [weights("broken-safetensors-bad-offsets", "model.safetensors"),
                                                "embeddings.word_embeddings.weight", "data_offsets"]),
            ("broken-truncated-legacy", [weights("broken-truncated-legacy"), "truncated"]),
            ("broken-truncated-legacy-pickle", [weights("broken-truncated-legacy-pickle"), "truncated"]),
            ("broken-truncated-zip", [weights("broken-truncated-zip")]),
            ("broken-missing-weights", ["broken-missing-weights", "no model.safetensors or pytorch_model.bin"]),
            ("no-such-folder", ["no-such-folder", "no such model folder"]),
        ]
        for (folder, fragments) in cases {
            assertKoBERTError(try Checkpoint.load(directory: Fixtures.path(folder)), contains: fragments)
        }
    }

    func testWrongShapeStillLoadsAsStored() throws {
        // The reader reports what the file holds; the encoder's shape check names the tensor.
        let checkpoint = try Checkpoint.load(directory: Fixtures.path("broken-wrong-shape"))
        XCTAssertEqual(checkpoint.tensors["transformer.layer.0.attention.q_lin.weight"]?.shape, [32, 31])
    }

    private func unpickle(_ bytes: [UInt8]) throws -> PickleValue {
        let file = FileBytes(name: "memory.pkl", data: Data(bytes))
        return try Unpickler.load(ByteReader(file), rules: TorchPickleRules(fileName: "memory.pkl")).value
    }

    func testUnpicklerRefusesAndBoundsInMemory() {
        // Protocol 4: FRAME, SHORT_BINUNICODE "os" / "system", MEMOIZE, STACK_GLOBAL.
        var stackGlobal: [UInt8] = [0x80, 0x04, 0x95] + [UInt8](repeating: 0, count: 8)
        stackGlobal += [0x8C, 2] + Array("os".utf8) + [0x94, 0x8C, 6] + Array("system".utf8) + [0x94, 0x93]
        stackGlobal += [0x8C, 2] + Array("id".utf8) + [0x85, 0x52, 0x2E]
        assertKoBERTError(try unpickle(stackGlobal), contains: ["refusing global os.system in memory.pkl"])
        let subprocess: [UInt8] = [0x80, 0x02, 0x63] + Array("subprocess\nPopen\n".utf8) + [0x29, 0x52, 0x2E]
        assertKoBERTError(try unpickle(subprocess), contains: ["refusing global subprocess.Popen"])

        let deep: [UInt8] = [0x80, 0x02, 0x29] + [UInt8](repeating: 0x85, count: 100_000) + [0x2E]
        assertKoBERTError(try unpickle(deep), contains: ["memory.pkl", "nested too deeply"])
        let selfAppend: [UInt8] = [0x80, 0x02, 0x5D, 0x71, 0x00] + [UInt8](repeating: 0, count: 0)
            + Array(repeating: [0x68, 0x00, 0x61], count: 100).flatMap { $0 } + [0x2E]
        assertKoBERTError(try unpickle(selfAppend), contains: ["nested too deeply"])
        assertKoBERTError(try unpickle([0x80, 0x02, 0x69, 0x2E]), contains: ["unsupported pickle opcode 0x69"])
        assertKoBERTError(try unpickle([0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0x7F, 0x61]), contains: ["memory.pkl", "truncated"])
        assertKoBERTError(try unpickle([0x80, 0x02, 0x4B, 0x01]), contains: ["memory.pkl", "truncated"])
        assertKoBERTError(try unpickle([0x80, 0x02, 0x73, 0x2E]), contains: ["stack underflow"])
        assertKoBERTError(try unpickle([0x80, 0x02, 0x68, 0x05, 0x2E]), contains: ["memo"])
        assertKoBERTError(try unpickle([0x80, 0x02, 0x4B, 0x01, 0x4B, 0x02, 0x2E]), contains: ["STOP"])
    }

    /// Cuts of real files are errors (all three formats carry exact lengths).
    func testEveryTruncationIsAnError() throws {
        let sources = [weights("distilbert-tokcls-legacy"), weights("bert-qa-zip"),
                       weights("distilbert-qa-safetensors", "model.safetensors")]
        for path in sources {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            // Every byte through the headers and first pickle opcodes, then a sample of the rest.
            var cuts = Array(0..<min(data.count, 240))
            cuts += Array(stride(from: 240, to: data.count, by: 997)) + [data.count - 1]
            for cut in cuts {
                let name = path.hasSuffix(".safetensors") ? "cut.safetensors" : "cut.bin"
                let file = FileBytes(name: name, data: data.prefix(cut))
                do {
                    _ = try WeightFile.list(file: file).materialize()
                    XCTFail("\(path) cut at \(cut) loaded")
                } catch let error as KoBERTError {
                    XCTAssertTrue(error.message.contains(name), error.message)
                }
            }
        }
    }

    /// Random byte flips in the headers and pickles: an error or a load, never a crash.
    func testCorruptBytesNeverCrash() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Int(truncatingIfNeeded: state >> 1)
        }
        let sources = [weights("bert-tokcls-legacy"), weights("distilbert-seqcls-zip"),
                       weights("bert-base-safetensors", "model.safetensors")]
        var outcomes = [0, 0]
        for path in sources {
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let name = path.hasSuffix(".safetensors") ? "flip.safetensors" : "flip.bin"
            // The zip's directory is at its end; the others' structure is at the start.
            let region = path.contains("-zip") ? (original.count - 4000)..<original.count : 0..<min(original.count, 4000)
            for _ in 0..<150 {
                var bytes = original
                for _ in 0..<(1 + next() % 3) {
                    let at = region.lowerBound + next() % region.count
                    bytes[at] ^= UInt8(truncatingIfNeeded: 1 + next() % 255)
                }
                do {
                    _ = try WeightFile.list(file: FileBytes(name: name, data: Data(bytes))).materialize()
                    outcomes[0] += 1
                } catch is KoBERTError {
                    outcomes[1] += 1
                }
            }
        }
        XCTAssertGreaterThan(outcomes[1], 0, "some corruptions must be detected")
    }
}
