import Foundation
import XCTest
import KoBERTCheckpoint
import KoBERTCore
import KoBERTModel
@testable import KoBERTFormat
@testable import KoBERTQuantize
@testable import KoBERTRuntime

/// The sensitivity pass: the budget's parsing, the greedy choice on crafted costs, and whole
/// quantizer runs on a tiny fixture where the budget decides the grids.
final class SensitivityPassTests: XCTestCase {
    static let folder = PackFidelityTests.checkpoints + "/distilbert-seqcls-safetensors"
    /// An encoder without a classifier: no argmax to flip, so only the cosines decide.
    static let encoderFolder = PackFidelityTests.checkpoints + "/distilbert-base-safetensors"

    func testBudgetParsing() {
        XCTAssertEqual(FidelityBudget(parsing: "0.999,0.995"), FidelityBudget(meanCosine: 0.999, worstCosine: 0.995))
        XCTAssertEqual(FidelityBudget(parsing: " 1, 0.9 "), FidelityBudget(meanCosine: 1, worstCosine: 0.9))
        for bad in ["0.999", "0.99,0.995", "1.5,0.9", "0,0", "a,b", "0.9,0.8,0.7", ""] {
            XCTAssertNil(FidelityBudget(parsing: bad), bad)
        }
    }

    /// Two tensors of equal size: "cheap" costs little per step, "dear" a lot. The greedy search
    /// narrows "cheap" first and stops "dear" where the predicted sum would cross the limit.
    func testGreedyNarrowsTheCheapTensorFirstAndKeepsTheLimit() {
        let sentences = 4
        func rise(_ perStep: Double, steps: Int) -> [[Double]] { [[Double](repeating: perStep * Double(steps), count: sentences)] }
        let rises: [String: [Int: [[Double]]]] = [
            "cheap": [7: rise(1e-5, steps: 1), 6: rise(1e-5, steps: 2), 5: rise(1e-5, steps: 3), 4: rise(1e-5, steps: 4)],
            "dear": [7: rise(3e-4, steps: 1), 6: rise(3e-4, steps: 2), 5: rise(3e-4, steps: 3), 4: rise(3e-4, steps: 4)],
        ]
        let bytes: [String: [Int: Double]] = ["cheap": [8: 800, 7: 700, 6: 600, 5: 500, 4: 400],
                                              "dear": [8: 800, 7: 700, 6: 600, 5: 500, 4: 400]]
        let baseline = SensitivityPass.Deficits(perView: [[Double](repeating: 1e-4, count: sentences)], agreement: 0)
        // Limit 1e-3: baseline 1e-4 + cheap at 4 bits 4e-5 leaves room for 2 steps of dear (6e-4), not 3 (9e-4 + …).
        let chosen = SensitivityPass.greedy(measured: ["cheap", "dear"], rises: rises, bytes: bytes, baseline: baseline,
                                            limitMean: [1e-3], limitWorst: [1e-3])
        XCTAssertEqual(chosen, ["cheap": 4, "dear": 6])
        // No room at all: both stay at 8.
        let none = SensitivityPass.greedy(measured: ["cheap", "dear"], rises: rises, bytes: bytes, baseline: baseline,
                                          limitMean: [1e-4], limitWorst: [1e-4])
        XCTAssertEqual(none, ["cheap": 8, "dear": 8])
    }

    /// A budget nothing can miss narrows every measured tensor to 4 bits; one that only fp32 meets
    /// leaves every measured grid at 8 and says the budget was not kept.
    func testTheBudgetDecidesTheGrids() throws {
        let scratch = ScratchFolder()
        let loose = try pack(Self.encoderFolder, fidelity: FidelityBudget(meanCosine: 0.01, worstCosine: 0.01), to: scratch.file("loose.kbt"))
        let looseFile = try PackFile(path: scratch.file("loose.kbt"))
        let looseCosts = try XCTUnwrap(loose.report.tensorCosts)
        XCTAssertFalse(looseCosts.isEmpty)
        for cost in looseCosts {
            XCTAssertEqual(cost.bits, 4, cost.name)
            XCTAssertEqual(looseFile.manifest.entry(cost.name)?.bits, 4, cost.name)
            XCTAssertGreaterThanOrEqual(cost.worstCost, cost.meanCost, cost.name)
        }
        XCTAssertEqual(loose.report.budgetKept, true)
        XCTAssertEqual(loose.report.fidelityBudget, FidelityBudget(meanCosine: 0.01, worstCosine: 0.01))

        let strict = try pack(Self.encoderFolder, fidelity: FidelityBudget(meanCosine: 1, worstCosine: 1), to: scratch.file("strict.kbt"))
        let strictFile = try PackFile(path: scratch.file("strict.kbt"))
        XCTAssertEqual(strict.report.budgetKept, false)
        for cost in try XCTUnwrap(strict.report.tensorCosts) {
            XCTAssertEqual(cost.bits, 8, cost.name)
            XCTAssertNil(strictFile.manifest.entry(cost.name)?.bits, cost.name)
        }
        // Narrower grids, smaller file.
        XCTAssertLessThan(loose.packedBytes, strict.packedBytes)
    }

    /// Forced grids are not measured: --linear-bits leaves only the embedding tables to the pass,
    /// and forcing both runs no pass at all.
    func testForcedGridsAreNotMeasured() throws {
        let scratch = ScratchFolder()
        let linearsForced = try pack(linearBits: 8, to: scratch.file("a.kbt"))
        XCTAssertEqual(Set(try XCTUnwrap(linearsForced.report.tensorCosts).map(\.name)),
                       [QuantizationPlan.wordEmbeddings, QuantizationPlan.positionEmbeddings])
        let file = try PackFile(path: scratch.file("a.kbt"))
        XCTAssertNil(file.manifest.entry("transformer.layer.0.ffn.lin1.weight")?.bits)
        let bothForced = try pack(embeddingBits: 5, linearBits: 6, to: scratch.file("b.kbt"))
        XCTAssertNil(bothForced.report.tensorCosts)
        XCTAssertNil(bothForced.report.fidelityBudget)
        let forcedFile = try PackFile(path: scratch.file("b.kbt"))
        XCTAssertEqual(forcedFile.manifest.entry(QuantizationPlan.positionEmbeddings)?.bits, 5)
        XCTAssertEqual(forcedFile.manifest.entry("transformer.layer.1.attention.v_lin.weight")?.bits, 6)
    }

    /// What a trial measures is what the written file computes: the in-memory model at the chosen
    /// grids and the packed file give identical outputs.
    func testTrialWeightsComputeWhatTheFileComputes() throws {
        let scratch = ScratchFolder()
        let checkpoint = try Checkpoint.load(directory: Self.folder)
        let reference = CheckpointWeights(config: checkpoint.config, tensors: checkpoint.tensors, source: Self.folder)
        var plan = QuantizationPlan(mode: .int8, smoothing: nil)
        plan.chosenBits = ["transformer.layer.0.ffn.lin1.weight": 4, QuantizationPlan.wordEmbeddings: 5,
                           QuantizationPlan.positionEmbeddings: 6]
        let writer = PackWriter(compressionLevel: 1)
        let entries = try Quantizer.pack(checkpoint.tensors, plan: plan, into: writer)
        let manifest = PackManifest(config: checkpoint.config, task: "nsmc", labels: ["negative", "positive"], tokenizer: nil,
                                    tensors: entries, quantization: nil,
                                    provenance: Provenance(tool: "tests", created: "2026-01-01T00:00:00Z", sources: []))
        try writer.write(manifest: manifest, to: scratch.file("m.kbt"))
        let operators = TrialOperators(reference: reference, tensors: checkpoint.tensors,
                                       plan: QuantizationPlan(mode: .int8, smoothing: nil), activationMaxima: [:])
        let trial = TrialWeights(operators: operators, bits: plan.chosenBits)
        let ids = [[2, 10, 11, 12, 3], [2, 40, 3]]
        let fromFile = try SensitivityPass.outputs(try Predictor(weights: try PackedWeights(path: scratch.file("m.kbt"), threads: 1),
                                                                  task: .nsmc, threads: 1), task: .nsmc, ids)
        let fromTrial = try SensitivityPass.outputs(try Predictor(weights: trial, task: .nsmc, threads: 1), task: .nsmc, ids)
        XCTAssertEqual(fromFile.vectors, fromTrial.vectors)
        let plain = try SensitivityPass.outputs(try Predictor(weights: TrialWeights(operators: operators, bits: [:]), task: .nsmc, threads: 1),
                                                task: .nsmc, ids)
        XCTAssertNotEqual(plain.vectors, fromTrial.vectors)   // the chosen grids did change something
    }

    /// No tokenizer and no calibration: one warning line naming the option to pass; calibration
    /// ids given: no warning.
    func testUnfittingBuiltInSampleIsWarnedAbout() throws {
        let scratch = ScratchFolder()
        var lines: [String] = []
        _ = try pack(embeddingBits: 8, linearBits: 8, to: scratch.file("a.kbt")) { lines.append($0) }
        let warnings = lines.filter { $0.hasPrefix("warning:") }
        XCTAssertEqual(warnings.count, 1, "\(lines)")
        XCTAssertTrue(warnings.first?.contains("--calibration-ids") ?? false, "\(warnings)")

        try "2 10 11 3\n2 40 41 42 3\n".write(toFile: scratch.file("ids.txt"), atomically: true, encoding: .utf8)
        lines = []
        _ = try pack(embeddingBits: 8, linearBits: 8, calibration: .idsFile(scratch.file("ids.txt")),
                     to: scratch.file("b.kbt")) { lines.append($0) }
        XCTAssertEqual(lines.filter { $0.hasPrefix("warning:") }, [])
    }

    /// The pass spends a quarter of the budget's deficits on the calibration sentences, so that text
    /// it never saw keeps the whole budget: a budget of 0.98 / 0.9 narrows grids only as far as
    /// 0.995 / 0.975 on the sentences it measured.
    func testCalibrationSpendsAQuarterOfTheBudget() throws {
        let scratch = ScratchFolder()
        let budget = FidelityBudget(meanCosine: 0.98, worstCosine: 0.9)
        let packed = try pack(Self.encoderFolder, fidelity: budget, to: scratch.file("quarter.kbt"))
        XCTAssertEqual(packed.report.budgetKept, true)
        XCTAssertTrue(try XCTUnwrap(packed.report.tensorCosts).contains { $0.bits < 8 }, "the budget leaves room to narrow")
        let share = SensitivityPass.calibrationShare
        XCTAssertEqual(share, 0.25)
        for (mean, worst) in [(packed.report.meanCosine, packed.report.worstCosine),
                              (try XCTUnwrap(packed.report.pooledMeanCosine), try XCTUnwrap(packed.report.pooledWorstCosine))] {
            XCTAssertLessThanOrEqual(1 - mean, share * (1 - budget.meanCosine) + 1e-9)
            XCTAssertLessThanOrEqual(1 - worst, share * (1 - budget.worstCosine) + 1e-9)
        }
    }

    /// By default smoothing is measured against none and kept only where it helps; an explicit
    /// α (--smooth) is used as given.
    func testSmoothingIsKeptOnlyWhereItMeasuresBetter() throws {
        let scratch = ScratchFolder()
        let reference = try CheckpointWeights(directory: Self.folder)
        let checkpoint = try Checkpoint.load(directory: Self.folder)
        var plan = QuantizationPlan(mode: .int8)
        plan.measuresSmoothing = true
        var job = QuantizeJob(modelDirectory: Self.folder, output: scratch.file("measured.kbt"))
        job.plan = plan
        job.calibrationLimit = 4
        job.compressionLevel = 1
        var lines: [String] = []
        let measured = try job.run { lines.append($0) }
        let line = try XCTUnwrap(lines.first { $0.hasPrefix("outlier smoothing measured on 4 sequences") }, "\(lines)")
        // The same measurement, made here: the job kept α exactly when it was no worse.
        let sequences = try job.calibrationSequences(tokenizer: nil, config: reference.config).ids.prefix(4)
        let recorder = ActivationRecorder()
        _ = try Calibration.outputs(try Predictor(weights: recorder.watching(reference), task: .nsmc), task: .nsmc, Array(sequences))
        let choice = try SensitivityPass(reference: reference, tensors: checkpoint.tensors, plan: plan,
                                         activationMaxima: recorder.channelMaxima, task: .nsmc, sequences: Array(sequences),
                                         threads: 2).chooseSmoothing()
        XCTAssertEqual(choice.line, line)
        XCTAssertEqual(measured.report.smoothing, choice.smoothing)
        // Given explicitly, α is not second-guessed.
        var given = job
        given.output = scratch.file("given.kbt")
        given.plan.measuresSmoothing = false
        XCTAssertEqual(try given.run().report.smoothing, 0.5)
    }

    // MARK: helpers

    private func pack(_ folder: String = SensitivityPassTests.folder, fidelity: FidelityBudget = .standard, embeddingBits: Int? = nil, linearBits: Int? = nil,
                      calibration: QuantizeJob.Calibration = .builtIn, to output: String,
                      progress: (String) -> Void = { _ in }) throws -> QuantizeJob.Summary {
        var job = QuantizeJob(modelDirectory: folder, output: output)
        job.plan = QuantizationPlan(mode: .int8, embeddingBits: embeddingBits, linearBits: linearBits, fidelity: fidelity)
        job.calibration = calibration
        job.calibrationLimit = 4
        job.compressionLevel = 1
        return try job.run(progress: progress)
    }
}
