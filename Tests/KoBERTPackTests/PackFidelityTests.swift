import Foundation
import XCTest
import KoBERTCore
import KoBERTKernels
import KoBERTModel
@testable import KoBERTFormat
@testable import KoBERTQuantize
@testable import KoBERTRuntime

/// quantize → pack → load → predict, against the fp32 checkpoint, for every head of every architecture.
///
/// Tolerances (tiny random models, measured ≈ 0.01–0.02): relative L2 error of the compared
/// outputs ≤ 0.05; sequence labels identical wherever fp32's top-two margin exceeds 0.1;
/// ≥ 90 % of token-level argmaxes identical. fp32 packs must reproduce the folder to 1e-5.
final class PackFidelityTests: XCTestCase {
    static let checkpoints = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/checkpoints").path

    static let models: [(folder: String, task: ModelTask)] = [
        ("distilbert-seqcls-safetensors", .nsmc), ("bert-seqcls-zip", .nsmc),
        ("distilbert-tokcls-legacy", .ner), ("bert-tokcls-safetensors", .ner),
        ("distilbert-qa-zip", .qa), ("bert-qa-legacy", .qa),
        ("distilbert-base-safetensors", .embed), ("bert-base-zip", .embed),
        ("roberta-seqcls-safetensors", .nsmc), ("xlm-roberta-tokcls-safetensors", .ner),
        ("xlm-roberta-qa-safetensors", .qa), ("roberta-base-safetensors", .embed),
    ]

    func testInt8AgreesWithFP32ForEveryHead() throws {
        try checkAllModels()
    }

    /// The quantizer's defaults (grids chosen by the sensitivity pass on 4 calibration sequences,
    /// as narrow as 4 bits where the budget allows): a wider bound than plain int8's.
    func testDefaultNarrowGridsAgreeWithFP32ForEveryHead() throws {
        try checkAllModels(bits: nil, bound: 0.08)
    }

    /// Re-runs the agreement check in a child process with KOBERT_KERNEL forced (generic when this
    /// process runs AVX2, and the other way round), because the family is chosen once per process.
    func testInt8AgreesUnderEveryKernelFamily() throws {
        if ProcessInfo.processInfo.environment["KOBERT_PACK_TEST_CHILD"] != nil { return }
        let binary = ProcessInfo.processInfo.arguments[0]
        guard binary.hasSuffix(".xctest") || FileManager.default.isExecutableFile(atPath: binary),
              !binary.hasSuffix("swiftpm-testing-helper") else {
            throw XCTSkip("cannot re-launch the test binary \(binary)")
        }
        // The scalar reference family is the kernels' own oracle and slow in debug; the fast and
        // generic families are the ones a packed model runs on.
        for family in KernelFamily.available where family != KernelFamily.active && family != .reference {
            let child = Process()
            child.executableURL = URL(fileURLWithPath: binary)
            child.arguments = ["KoBERTPackTests.PackFidelityTests/testChildUnderForcedFamily"]
            var environment = ProcessInfo.processInfo.environment
            environment["KOBERT_KERNEL"] = family.rawValue
            environment["KOBERT_PACK_TEST_CHILD"] = family.rawValue
            child.environment = environment
            let output = Pipe()
            child.standardOutput = output
            child.standardError = output
            try child.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            child.waitUntilExit()
            XCTAssertEqual(child.terminationStatus, 0, "KOBERT_KERNEL=\(family.rawValue):\n\(text.suffix(3000))")
            XCTAssertTrue(text.contains("Executed 1 test"), "child ran no test:\n\(text.suffix(2000))")
        }
    }

    /// Runs only inside the child processes started above.
    func testChildUnderForcedFamily() throws {
        guard let wanted = ProcessInfo.processInfo.environment["KOBERT_PACK_TEST_CHILD"] else {
            throw XCTSkip("runs only in the child processes testInt8AgreesUnderEveryKernelFamily starts")
        }
        XCTAssertEqual(KernelFamily.active.rawValue, wanted)
        try checkAllModels()
        try checkAllModels(bits: nil, bound: 0.08)
    }

    func testFP32PackReproducesTheFolder() throws {
        let scratch = ScratchFolder()
        for (folder, task) in [("distilbert-seqcls-safetensors", ModelTask.nsmc), ("bert-base-zip", .embed)] {
            let path = try pack(folder, to: scratch.file("\(folder).kbt"), mode: .fp32)
            let (want, got) = try compare(folder: folder, packed: path, task: task)
            for (a, b) in zip(want, got) {
                for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-5, folder) }
            }
        }
    }

    func testKeepFP32ReachesEmbeddingTables() throws {
        let scratch = ScratchFolder()
        var job = QuantizeJob(modelDirectory: Self.checkpoints + "/bert-base-zip", output: scratch.file("e.kbt"))
        job.plan = QuantizationPlan(mode: .int8, keepFloat: ["embeddings.word_embeddings"])
        job.calibrationLimit = 4
        var lines: [String] = []
        let summary = try job.run { lines.append($0) }
        XCTAssertFalse(lines.contains { $0.hasPrefix("warning: --keep-fp32") }, "\(lines)")
        let file = try PackFile(path: scratch.file("e.kbt"))
        XCTAssertEqual(file.manifest.entry("embeddings.word_embeddings.weight")?.dtype, .f32)
        XCTAssertEqual(file.manifest.entry("embeddings.position_embeddings.weight")?.dtype, .i8)
        XCTAssertEqual(summary.report.keptFloat, ["embeddings.word_embeddings.weight"])
        // And it runs: the embeddings agree with fp32 as closely as the all-int8 file's do.
        let (want, got) = try compare(folder: "bert-base-zip", packed: scratch.file("e.kbt"), task: .embed)
        var difference: Float = 0, norm: Float = 0
        for (a, b) in zip(want.flatMap { $0 }, got.flatMap { $0 }) { difference += (a - b) * (a - b); norm += a * a }
        XCTAssertLessThan((difference / norm).squareRoot(), 0.05)
    }

    func testKeepFP32LeavesMatchingLinearsFloat() throws {
        let scratch = ScratchFolder()
        var job = QuantizeJob(modelDirectory: Self.checkpoints + "/distilbert-seqcls-safetensors", output: scratch.file("m.kbt"))
        job.plan = QuantizationPlan(mode: .int8, keepFloat: ["classifier", "transformer.layer.1.*"])
        job.calibrationLimit = 4
        let summary = try job.run()
        let file = try PackFile(path: scratch.file("m.kbt"))
        let dtypes = Dictionary(uniqueKeysWithValues: file.manifest.tensors.map { ($0.name, $0.dtype) })
        XCTAssertEqual(dtypes["classifier.weight"], .f32)
        XCTAssertEqual(dtypes["pre_classifier.weight"], .f32)      // "classifier" is a substring of it
        XCTAssertEqual(dtypes["transformer.layer.1.ffn.lin1.weight"], .f32)
        XCTAssertEqual(dtypes["transformer.layer.0.ffn.lin1.weight"], .i8)
        XCTAssertEqual(dtypes["embeddings.word_embeddings.weight"], .i8)
        XCTAssertEqual(dtypes["embeddings.position_embeddings.weight"], .i8)
        // The sensitivity pass chose every int8 grid; the file stores what the report lists.
        let costs = try XCTUnwrap(summary.report.tensorCosts)
        XCTAssertEqual(Set(costs.map(\.name)), Set(file.manifest.tensors.filter { $0.dtype == .i8 && !$0.name.contains("token_type") }.map(\.name)))
        for cost in costs { XCTAssertEqual(file.manifest.entry(cost.name)?.bits ?? 8, cost.bits, cost.name) }
        XCTAssertEqual(summary.report.budgetKept, true)
        XCTAssertNil(file.manifest.entry("classifier.weight")?.bits)      // kept fp32
        XCTAssertEqual(summary.report.keptFloat.count, 8)
        // Outlier smoothing is on by default: int8 linears carry their input-channel factors.
        XCTAssertEqual(summary.report.smoothing, 0.5)
        XCTAssertEqual(file.manifest.entry("transformer.layer.0.ffn.lin1.weight")?.inputScales?.rawSize, 32 * 4)
        XCTAssertNil(file.manifest.entry("transformer.layer.1.ffn.lin1.weight")?.inputScales)
        XCTAssertNil(file.manifest.entry("embeddings.word_embeddings.weight")?.inputScales)
        XCTAssertEqual(file.manifest.quantization?.sentences, summary.report.sentences)
        XCTAssertFalse(file.manifest.provenance.sources.isEmpty)
        XCTAssertEqual(file.manifest.provenance.sources.first { $0.file == "model.safetensors" }?.sha256,
                       try SHA256.hex(file: Self.checkpoints + "/distilbert-seqcls-safetensors/model.safetensors"))
    }

    func testWithoutSmoothingNoInputScalesAreStored() throws {
        let scratch = ScratchFolder()
        var job = QuantizeJob(modelDirectory: Self.checkpoints + "/bert-seqcls-zip", output: scratch.file("m.kbt"))
        job.plan = QuantizationPlan(mode: .int8, smoothing: nil)
        job.calibrationLimit = 4
        let summary = try job.run()
        XCTAssertNil(summary.report.smoothing)
        let file = try PackFile(path: scratch.file("m.kbt"))
        XCTAssertTrue(file.manifest.tensors.allSatisfy { $0.inputScales == nil })
        XCTAssertEqual(file.manifest.entry("encoder.layer.0.intermediate.dense.weight")?.dtype, .i8)
        XCTAssertGreaterThan(summary.report.argmaxAgreement ?? 0, 0.99)
    }

    func testWrongTaskIsRefused() throws {
        let scratch = ScratchFolder()
        let path = try pack("distilbert-seqcls-safetensors", to: scratch.file("nsmc.kbt"))
        XCTAssertThrowsError(try ModelLoader.load(path: path, task: .ner)) { error in
            XCTAssertTrue("\(error)".contains("packed for --task nsmc, not ner"), "\(error)")
        }
        XCTAssertEqual(try ModelLoader.load(path: path).task, .nsmc)
    }

    func testCorruptTensorFailsLoadingAndNamesIt() throws {
        let scratch = ScratchFolder()
        let path = try pack("bert-tokcls-safetensors", to: scratch.file("ner.kbt"))
        let entry = try XCTUnwrap(try PackFile(path: path).manifest.entry("encoder.layer.1.intermediate.dense.weight"))
        var bytes = try [UInt8].readFile(path)
        let dataOffset = Int(bytes.readLittleEndian(UInt64.self, at: 32))
        bytes[dataOffset + entry.data.offset + 3] ^= 0xFF
        try bytes.writeFile(path)
        XCTAssertThrowsError(try ModelLoader.load(path: path, task: .ner)) { error in
            XCTAssertTrue("\(error)".contains("checksum mismatch in tensor encoder.layer.1.intermediate.dense.weight"), "\(error)")
        }
    }

    func testBadCalibrationTextFailsWithoutOutput() throws {
        let scratch = ScratchFolder()
        try [UInt8]().writeFile(scratch.file("empty.txt"))
        try [0x41, 0xFF, 0xFE, 0x0A].writeFile(scratch.file("latin1.txt"))
        try Array("  \n\n \t\n".utf8).writeFile(scratch.file("blank.txt"))
        for (file, message) in [("empty.txt", "no text lines"), ("latin1.txt", "not UTF-8"), ("blank.txt", "no text lines"),
                                ("missing.txt", "cannot read")] {
            var job = QuantizeJob(modelDirectory: Self.checkpoints + "/bert-seqcls-zip", output: scratch.file("out.kbt"))
            job.calibration = .textFile(scratch.file(file))
            job.calibrationLimit = 4
            job.tokenizerDirectory = nil
            XCTAssertThrowsError(try job.run()) { error in
                XCTAssertTrue("\(error)".contains(message), "\(file): \(error)")
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.file("out.kbt")))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.hasPrefix(".") }, [])
    }

    func testInt8EmbeddingRowsMatchTheReferenceQuantizer() throws {
        let scratch = ScratchFolder()
        let path = try pack("distilbert-base-safetensors", to: scratch.file("e.kbt"), embeddingBits: 8)
        let weights = try PackedWeights(path: path, threads: 1)
        let table = try weights.embedding("embeddings.word_embeddings")
        XCTAssertTrue(table is Int8EmbeddingTable)
        let fp32 = try CheckpointWeights(directory: Self.checkpoints + "/distilbert-base-safetensors")
            .tensor("embeddings.word_embeddings.weight")
        let (values, scales) = Int8Quantizer.quantizePerRow(fp32.data, rows: table.rows, dim: table.dim)
        var row = [Float](repeating: 0, count: table.dim)
        for i in [0, 1, table.rows / 2, table.rows - 1] {
            row.withUnsafeMutableBufferPointer { table.copyRow(i, into: $0.baseAddress!) }
            for j in 0..<table.dim { XCTAssertEqual(row[j], Float(values[i * table.dim + j]) * scales[i]) }
        }
    }

    // MARK: helpers

    /// `bits` nil: the quantizer's defaults (grids chosen by the sensitivity pass). `bound`: the relative L2 error allowed.
    func checkAllModels(bits: (linears: Int, embeddings: Int)? = (8, 8), bound: Float = 0.05) throws {
        let scratch = ScratchFolder()
        for (folder, task) in Self.models {
            let path = try pack(folder, to: scratch.file("\(folder).kbt"),
                                embeddingBits: bits?.embeddings, linearBits: bits?.linears)
            let (want, got) = try compare(folder: folder, packed: path, task: task)
            let flatWant = want.flatMap { $0 }, flatGot = got.flatMap { $0 }
            var difference: Float = 0, norm: Float = 0
            for (a, b) in zip(flatWant, flatGot) { difference += (a - b) * (a - b); norm += a * a }
            let relative = (difference / max(norm, 1e-12)).squareRoot()
            XCTAssertLessThan(relative, bound, "\(folder) [\(KernelFamily.active.rawValue)]: relative L2 error")
            if task == .nsmc {
                for (a, b) in zip(want, got) {
                    let sorted = a.sorted(by: >)
                    if sorted[0] - sorted[1] > 0.1 { XCTAssertEqual(argmax(a), argmax(b), folder) }
                }
            }
            if task == .ner || task == .qa {
                let agree = zip(want, got).filter { argmax($0) == argmax($1) }.count
                XCTAssertGreaterThanOrEqual(Double(agree) / Double(want.count), 0.9, "\(folder): argmax agreement")
            }
        }
    }

    func pack(_ folder: String, to output: String, mode: PackMode = .int8,
              embeddingBits: Int? = nil, linearBits: Int? = nil) throws -> String {
        var job = QuantizeJob(modelDirectory: Self.checkpoints + "/" + folder, output: output)
        job.plan = QuantizationPlan(mode: mode, embeddingBits: embeddingBits, linearBits: linearBits)
        job.calibrationLimit = 4
        _ = try job.run()
        return output
    }

    /// Outputs of the folder (fp32) and of the packed file on the fixture's inputs: one row per
    /// compared vector (sequence logits, token logits, start/end pairs, or [CLS] + mean embeddings).
    func compare(folder: String, packed: String, task: ModelTask) throws -> (want: [[Float]], got: [[Float]]) {
        let inputs = try fixtureInputs(folder)
        let fp32 = try ModelLoader.load(path: Self.checkpoints + "/" + folder, task: task, threads: 2)
        let int8 = try ModelLoader.load(path: packed, task: task, threads: 2)
        func rows(_ p: Predictor) throws -> [[Float]] {
            switch task {
            case .nsmc: return try p.classify(ids: inputs).map(\.logits)
            case .ner: return try p.ner(ids: inputs).flatMap(\.logits)
            case .qa: return try p.answer(ids: inputs).flatMap { zip($0.startLogits, $0.endLogits).map { [$0, $1] } }
            case .embed:
                return try p.embed(ids: inputs, pooling: .cls).map(\.vectorValue)
                    + p.embed(ids: inputs, pooling: .mean).map(\.vectorValue)
            }
        }
        return (try rows(fp32), try rows(int8))
    }

    func fixtureInputs(_ folder: String) throws -> [[Int]] {
        struct Inputs: Decodable { var input_ids: [[Int]]; var lengths: [Int] }
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.checkpoints + "/" + folder + "/inputs.json"))
        let inputs = try JSONDecoder().decode(Inputs.self, from: data)
        return zip(inputs.input_ids, inputs.lengths).map { Array($0.prefix($1)) }
    }
}
