import Foundation
import KoBERTCore
import XCTest
@testable import KoBERTFormat
@testable import KoBERTQuantize
@testable import KoBERTRuntime

/// Valid checksum, absurd number: every numeric field of the header and of the manifest (the
/// configuration, the tokenizer, each kind of tensor entry) set to values no writer produces, in a
/// file whose CRCs are all correct. Each must fail the load with one line, never trap.
final class AbsurdNumberTests: XCTestCase {
    private var scratch: ScratchFolder!
    private var original: [UInt8] = []

    override func setUpWithError() throws {
        scratch = ScratchFolder()
        let path = scratch.file("complete.kbt")
        try CompletePack.write(to: path)
        original = try [UInt8].readFile(path)
        // The untouched file, taken apart and put back together, loads: so each failure below is the number's.
        let rebuilt = scratch.file("rebuilt.kbt")
        try CraftedPack(bytes: original).bytes().writeFile(rebuilt)
        try CompletePack.load(rebuilt)
    }

    // XCTest keeps every test case object until the run ends: drop the folder now, or it outlives the run.
    override func tearDown() { scratch = nil }

    private func assertLoadFails(_ bytes: [UInt8], _ label: String, line: UInt = #line) throws {
        let path = scratch.file("case.kbt")
        try bytes.writeFile(path)
        do {
            try CompletePack.load(path)
            XCTFail("\(label): loaded", line: line)
        } catch let error as KoBERTError {
            XCTAssertTrue(error.message.hasPrefix(path), "\(label): \(error.message)", line: line)
            XCTAssertFalse(error.message.contains("\n"), "\(label): not one line: \(error.message)", line: line)
        }
    }

    func testEveryHeaderField() throws {
        let fields: [(name: String, offset: Int, width: Int)] = [
            ("version", 8, 4), ("header size", 12, 4), ("manifest length", 16, 8), ("manifest CRC", 24, 4),
            ("reserved", 28, 4), ("data offset", 32, 8), ("file size", 40, 8),
        ]
        let crafted = try CraftedPack(bytes: original)
        var cases = 0
        for field in fields {
            let stored = (0..<field.width).reduce(UInt64(0)) { $0 | UInt64(original[field.offset + $1]) << (8 * UInt64($1)) }
            let values: [UInt64] = field.width == 4
                ? [0, 1, 2, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF]
                : [0, 1, 63, 64, 1 << 31, 1 << 62, UInt64(Int.max), 1 << 63, UInt64.max, stored + 1, stored &- 1]
            for value in values where value != stored {
                try assertLoadFails(try crafted.bytes(header: [(field.offset, field.width, value)]), "\(field.name) = \(value)")
                cases += 1
            }
        }
        XCTAssertGreaterThan(cases, 50)
    }

    func testEveryManifestNumber() throws {
        let crafted = try CraftedPack(bytes: original)
        let tensors = try XCTUnwrap(crafted.manifest["tensors"] as? [[String: Any]])
        // One entry of each kind: f32 (a bias), narrow i8 embedding (bits), smoothed i8 Linear (inputScales), the head.
        let kinds: [(String) -> Bool] = [
            { $0.hasSuffix(".bias") }, { $0 == "embeddings.word_embeddings.weight" },
            { $0 == CompletePack.smoothedLinear + ".weight" }, { $0 == "classifier.weight" },
        ]
        let picked = try kinds.map { kind in try XCTUnwrap(tensors.firstIndex { kind($0["name"] as! String) }) }
        XCTAssertNotNil(tensors[picked[1]]["bits"])
        XCTAssertNotNil(tensors[picked[2]]["inputScales"])
        var paths = CraftedPack.numericPaths(in: crafted.manifest["config"]!, under: ["config"])
        paths += CraftedPack.numericPaths(in: crafted.manifest["tokenizer"]!, under: ["tokenizer"])
        paths += [["formatVersion"]]
        for index in picked { paths += CraftedPack.numericPaths(in: tensors[index], under: ["tensors", index]) }
        XCTAssertTrue(paths.contains(["config", "numLayers"]) && paths.contains(["config", "layerNormEps"]))
        XCTAssertTrue(paths.contains(["tokenizer", "model", "rawSize"]) && paths.contains(["tokenizer", "maxLength"]))

        var cases = 0
        for path in paths {
            let isEpsilon = path.last == AnyHashable("layerNormEps")
            // No value here is one a valid file could hold for that field (0.5 is not an integer;
            // an epsilon must lie in (0, 1]).
            let values: [Any] = isEpsilon
                ? [-1.0, 0.0, 2.0, 1e300, -1e-30]
                : [-1, 1 << 31 + 7, 1 << 62, Int.max, Int.min, 1.8446744073709552e19, 0.5]
            for value in values {
                var copy = crafted
                copy.set(value, at: path)
                try assertLoadFails(try copy.bytes(), "\(path) = \(value)")
                cases += 1
            }
        }
        XCTAssertGreaterThan(cases, 300)
    }

    /// The cases issue 11 reported as crashes, by name.
    func testReportedCrashes() throws {
        let crafted = try CraftedPack(bytes: original)
        let tensors = crafted.manifest["tensors"] as! [[String: Any]]
        let linear = tensors.firstIndex { ($0["name"] as! String) == CompletePack.smoothedLinear + ".weight" }!
        let storedSize = (tensors[linear]["data"] as! [String: Any])["storedSize"] as! Int
        let cases: [(CraftedPack.Path, Any, String)] = [
            (["tensors", linear, "data", "offset"], Int.max, "overflows"),
            (["tensors", linear, "data", "offset"], Int.max - storedSize + 1, "overflows"),
            (["tensors", linear, "shape"], [1 << 62, 1 << 62], "more than"),
            (["config", "numLayers"], -1, "layer count -1"),
            (["config", "numLayers"], 1_000_000_000, "layer count 1000000000"),
            (["tensors", linear, "data", "rawSize"], 1 << 40, "data blob holds 1099511627776 bytes, the shape needs 1024"),
            (["tokenizer", "model", "rawSize"], 1 << 40, "more than 2147483648 bytes"),
            (["tokenizer", "model", "rawSize"], 1000, "the zstd frame declares 4 bytes, the manifest says 1000"),
            (["config", "numLayers"], 0, "layer count 0"),
            (["config", "layerNormEps"], -1e-5, "layer_norm_eps"),
        ]
        for (path, value, fragment) in cases {
            var copy = crafted
            copy.set(value, at: path)
            let file = scratch.file("reported.kbt")
            try copy.bytes().writeFile(file)
            XCTAssertThrowsError(try CompletePack.load(file), "\(path) = \(value)") { error in
                XCTAssertTrue("\(error)".contains(fragment), "\(path) = \(value): \(error)")
            }
        }
    }
}
