import Foundation
import KoBERTCore
import XCTest
@testable import KoBERTCheckpoint

/// Opt-in check of the full-size random checkpoints from `make_fixtures.py --full DIR`
/// (not committed): `KOBERT_FULL_DIR=DIR swift test --filter KoBERTCheckpointTests.FullSizeTests`.
final class FullSizeTests: XCTestCase {
    private func fullDirectory() throws -> URL {
        guard let path = ProcessInfo.processInfo.environment["KOBERT_FULL_DIR"] else {
            throw XCTSkip("set KOBERT_FULL_DIR to the folder written by make_fixtures.py --full")
        }
        return URL(fileURLWithPath: path)
    }

    func testDistilKoBERTLegacy() throws { try check("distilkobert-seqcls-legacy", layers: 3) }
    func testKoBERTZip() throws { try check("kobert-seqcls-zip", layers: 12) }

    private func check(_ name: String, layers: Int) throws {
        let folder = try fullDirectory().appendingPathComponent(name)
        let checkpoint = try Checkpoint.load(directory: folder.path)
        XCTAssertEqual(checkpoint.config.numLayers, layers)
        XCTAssertEqual(checkpoint.config.vocabSize, 8002)
        XCTAssertEqual(checkpoint.config.hiddenSize, 768)
        try assertMatchesDigest(checkpoint, digestFile: folder.appendingPathComponent("weights_digest.json"))
    }
}
