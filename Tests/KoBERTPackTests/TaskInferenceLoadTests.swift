import Foundation
import KoBERTCore
import KoBERTModel
import XCTest
@testable import KoBERTFormat
@testable import KoBERTQuantize
@testable import KoBERTRuntime

/// `kobert predict` and `kobert-quantize` on a folder whose config.json has no `architectures`:
/// the task comes from the head tensors, and a --task the weights contradict is one line.
final class TaskInferenceLoadTests: XCTestCase {
    private static let checkpoints = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/checkpoints").path

    /// A copy of a fixture folder with `architectures` removed from config.json.
    private func withoutArchitectures(_ name: String, in scratch: ScratchFolder) throws -> String {
        let folder = scratch.file(name)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let source = Self.checkpoints + "/" + name
        try FileManager.default.copyItem(atPath: source + "/model.safetensors", toPath: folder + "/model.safetensors")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: source + "/config.json"))) as! [String: Any]
        XCTAssertNotNil(config.removeValue(forKey: "architectures"))
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: folder + "/config.json"))
        return folder
    }

    func testFolderLoaderInfersTheTask() throws {
        let scratch = ScratchFolder()
        for (name, task) in [("distilbert-seqcls-safetensors", ModelTask.nsmc), ("bert-tokcls-safetensors", .ner),
                             ("distilbert-qa-safetensors", .qa), ("bert-base-safetensors", .embed)] {
            let folder = try withoutArchitectures(name, in: scratch)
            XCTAssertEqual(try ModelLoader.load(path: folder, threads: 1).task, task, name)
        }
        let tokcls = try withoutArchitectures("distilbert-tokcls-safetensors", in: scratch)
        XCTAssertThrowsError(try ModelLoader.load(path: tokcls, task: .nsmc, threads: 1)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(tokcls): --task nsmc contradicts the weights"), "\(error)")
        }
    }

    func testQuantizerInfersTheTaskAndRefusesAContradiction() throws {
        let scratch = ScratchFolder()
        let folder = try withoutArchitectures("distilbert-seqcls-safetensors", in: scratch)
        var job = QuantizeJob(modelDirectory: folder, output: scratch.file("auto.kbt"))
        job.plan = QuantizationPlan(mode: .fp32)
        job.calibrationLimit = 1
        job.threads = 1
        XCTAssertEqual(try job.run().task, .nsmc)
        XCTAssertEqual(try PackFile(path: scratch.file("auto.kbt")).manifest.task, "nsmc")

        job.task = .ner
        job.output = scratch.file("ner.kbt")
        XCTAssertThrowsError(try job.run()) { error in
            XCTAssertTrue("\(error)".contains("--task ner contradicts the weights"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.file("ner.kbt")))
    }
}
