import XCTest
import KoBERTCore
@testable import KoBERTFormat
@testable import KoBERTQuantize
@testable import KoBERTRuntime

/// The container alone: checksums, round trip, and every way a file can be damaged.
final class PackContainerTests: XCTestCase {
    func testCRC32CCheckValue() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([]), 0)
        // Lengths around the 8-byte step agree with the bytewise tail loop.
        let bytes = (0..<37).map { UInt8($0 * 7 & 0xFF) }
        var bytewise: UInt32 = 0xFFFF_FFFF
        for b in bytes { bytewise = CRC32C.table[Int((bytewise ^ UInt32(b)) & 0xFF)] ^ (bytewise >> 8) }
        XCTAssertEqual(CRC32C.checksum(bytes), bytewise ^ 0xFFFF_FFFF)
    }

    func testSHA256KnownDigests() throws {
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let scratch = ScratchFolder()
        let bytes = [UInt8](repeating: 0x61, count: 1000)
        try bytes.writeFile(scratch.file("a"))
        XCTAssertEqual(try SHA256.hex(file: scratch.file("a")), SHA256.hex(bytes))
    }

    func testRoundTripKeepsManifestAndBlobs() throws {
        let scratch = ScratchFolder()
        let path = scratch.file("m.kbt")
        let written = try PackSamples.writePack(to: path)
        let file = try PackFile(path: path)
        XCTAssertEqual(file.manifest.config, PackSamples.config)
        XCTAssertEqual(file.manifest.task, "nsmc")
        XCTAssertEqual(file.manifest.tensors.map(\.name), written.tensors.map(\.name))
        // Embedding tables (word and position) and Linears are int8; biases and LayerNorm stay fp32.
        XCTAssertEqual(file.manifest.tensors.map(\.dtype), [.i8, .i8, .f32, .i8, .f32])
        // A plan that forces no grid and ran no sensitivity pass stores plain 8-bit values.
        XCTAssertEqual(file.manifest.tensors.map(\.bits), [nil, nil, nil, nil, nil])
        let tokenizer = try XCTUnwrap(file.manifest.tokenizer)
        XCTAssertNil(tokenizer.kind)   // KoBERT's keeps the version-1 fields, readable by earlier runtimes
        XCTAssertEqual(try file.blobBytes(try XCTUnwrap(tokenizer.model), what: "model"), [1, 2, 3, 4])
        XCTAssertEqual(String(decoding: try file.blobBytes(try XCTUnwrap(tokenizer.vocab), what: "vocab"), as: UTF8.self), "[PAD]\n[UNK]\n")
        try file.verifyAll()
        // fp32 tensors come back bit for bit.
        let norm = try XCTUnwrap(file.manifest.entry("encoder.layer.0.output.LayerNorm.weight"))
        let raw = try file.blobBytes(norm.data, what: "norm")
        XCTAssertEqual(raw, PackSamples.tensors["encoder.layer.0.output.LayerNorm.weight"]!.data.withUnsafeBytes { Array($0) })
        // No temporary file is left next to the output.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.path), ["m.kbt"])
    }

    func testFp16ModeStoresHalves() throws {
        let scratch = ScratchFolder()
        try PackSamples.writePack(to: scratch.file("h.kbt"), mode: .fp16)
        let file = try PackFile(path: scratch.file("h.kbt"))
        XCTAssertTrue(file.manifest.tensors.allSatisfy { $0.dtype == .f16 })
        let entry = try XCTUnwrap(file.manifest.entry("encoder.layer.0.attention.self.query.weight"))
        XCTAssertEqual(entry.data.rawSize, 16 * 2)
    }

    func testFlippedByteInATensorNamesTheTensor() throws {
        let scratch = ScratchFolder()
        let path = scratch.file("m.kbt")
        try PackSamples.writePack(to: path)
        let file = try PackFile(path: path)
        let entry = try XCTUnwrap(file.manifest.entry("encoder.layer.0.attention.self.query.weight"))
        var bytes = try [UInt8].readFile(path)
        let dataOffset = Int(bytes.readLittleEndian(UInt64.self, at: 32))
        bytes[dataOffset + entry.data.offset + entry.data.storedSize / 2] ^= 0x40
        try bytes.writeFile(path)
        let reopened = try PackFile(path: path)   // header and manifest are intact
        XCTAssertThrowsError(try reopened.verifyAll()) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("checksum mismatch"), message)
            XCTAssertTrue(message.contains("encoder.layer.0.attention.self.query.weight"), message)
            XCTAssertTrue(message.contains(path), message)
        }
    }

    func testFlippedByteInTheManifestIsCaught() throws {
        let scratch = ScratchFolder()
        let path = scratch.file("m.kbt")
        try PackSamples.writePack(to: path)
        var bytes = try [UInt8].readFile(path)
        bytes[PackFormat.headerSize + 10] ^= 0x01
        try bytes.writeFile(path)
        assertOpenFails(path, containing: "manifest checksum mismatch")
    }

    func testEveryHeaderByteIsChecked() throws {
        let scratch = ScratchFolder()
        let path = scratch.file("m.kbt")
        try PackSamples.writePack(to: path)
        let original = try [UInt8].readFile(path)
        for offset in 12..<PackFormat.headerSize {   // magic and version have their own messages
            var bytes = original
            bytes[offset] ^= 0x10
            try bytes.writeFile(path)
            assertOpenFails(path, containing: offset < 52 ? "header checksum mismatch" : "header padding")
        }
    }

    func testTruncatedFileIsRefused() throws {
        let scratch = ScratchFolder()
        let path = scratch.file("m.kbt")
        try PackSamples.writePack(to: path)
        let bytes = try [UInt8].readFile(path)
        for keep in [0, 10, 63, 64, 200, bytes.count - 1] {
            try Array(bytes[0..<keep]).writeFile(path)
            assertOpenFails(path, containing: "truncated")
        }
    }

    func testUnknownVersionIsRefused() throws {
        let scratch = ScratchFolder()
        let path = scratch.file("m.kbt")
        try PackSamples.writePack(to: path)
        var bytes = try [UInt8].readFile(path)
        bytes[8] = 2   // a future writer would also recompute the header CRC; the version is checked first
        try bytes.writeFile(path)
        assertOpenFails(path, containing: "unknown format version 2")
    }

    func testNotAPackedFile() throws {
        let scratch = ScratchFolder()
        try Array("{\"model_type\": \"bert\"} and more bytes to pass the header length check..........".utf8)
            .writeFile(scratch.file("config.json"))
        assertOpenFails(scratch.file("config.json"), containing: "bad magic")
        assertOpenFails(scratch.file("missing.kbt"), containing: "cannot open")
    }

    func testFailedWriteLeavesNothing() throws {
        let scratch = ScratchFolder()
        XCTAssertThrowsError(try PackSamples.writePack(to: scratch.file("no/such/folder/m.kbt")))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.path), [])
    }

    private func assertOpenFails(_ path: String, containing text: String, line: UInt = #line) {
        XCTAssertThrowsError(try PackFile(path: path), line: line) { error in
            XCTAssertTrue("\(error)".contains(text), "\(error)", line: line)
            XCTAssertFalse("\(error)".contains("\n"), "one line", line: line)
        }
    }
}
