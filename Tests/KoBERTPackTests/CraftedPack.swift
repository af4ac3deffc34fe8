import Foundation
import KoBERTCheckpoint
import KoBERTCore
import KoBERTModel
@testable import KoBERTFormat
@testable import KoBERTQuantize
@testable import KoBERTRuntime

/// A packed file taken apart into its manifest (a JSON object) and its data section, so a test can
/// put any number into it and reassemble a file whose checksums are all correct: what a hostile
/// writer does, and what flipping bytes (caught by the CRCs) never reaches.
struct CraftedPack {
    var manifest: [String: Any]
    var data: [UInt8]

    init(bytes: [UInt8]) throws {
        let manifestLength = Int(bytes.readLittleEndian(UInt64.self, at: 16))
        let dataOffset = Int(bytes.readLittleEndian(UInt64.self, at: 32))
        let json = Data(bytes[PackFormat.headerSize..<(PackFormat.headerSize + manifestLength)])
        manifest = try JSONSerialization.jsonObject(with: json) as! [String: Any]
        data = Array(bytes[dataOffset...])
    }

    /// The file: header (with `header` fields overwritten, offset → value, before its CRC is
    /// computed), manifest, padding, data.
    func bytes(header overrides: [(offset: Int, width: Int, value: UInt64)] = []) throws -> [UInt8] {
        let manifestBytes = [UInt8](try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys]))
        let dataOffset = PackFormat.aligned(PackFormat.headerSize + manifestBytes.count)
        var header = PackFormat.Header(version: UInt32(PackFormat.version), manifestLength: UInt64(manifestBytes.count),
                                       manifestCRC: CRC32C.checksum(manifestBytes), dataOffset: UInt64(dataOffset),
                                       fileSize: UInt64(dataOffset + data.count)).encoded()
        for field in overrides {
            for i in 0..<field.width { header[field.offset + i] = UInt8(truncatingIfNeeded: field.value >> (8 * UInt64(i))) }
        }
        let crc = CRC32C.checksum(Array(header[0..<48]))
        for i in 0..<4 { header[48 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        return header + manifestBytes + [UInt8](repeating: 0, count: dataOffset - PackFormat.headerSize - manifestBytes.count) + data
    }

    /// Key path into the manifest: strings index objects, Ints index arrays.
    typealias Path = [AnyHashable]

    /// The manifest's true/false fields (Foundation on Linux hands them back as plain NSNumbers).
    static let booleanKeys: Set<String> = ["lowercase", "sinusoidalPositions"]

    /// Every numeric leaf under `root`, as paths.
    static func numericPaths(in value: Any, under root: Path) -> [Path] {
        switch value {
        case let object as [String: Any]:
            return object.keys.sorted().filter { !booleanKeys.contains($0) }
                .flatMap { numericPaths(in: object[$0]!, under: root + [$0]) }
        case let array as [Any]:
            return array.indices.flatMap { numericPaths(in: array[$0], under: root + [$0]) }
        case is NSNumber:
            return [root]
        default:
            return []
        }
    }

    func value(at path: Path) -> Any? {
        var current: Any? = manifest
        for key in path {
            if let name = key as? String { current = (current as? [String: Any])?[name] }
            else if let index = key as? Int { current = (current as? [Any]).flatMap { index < $0.count ? $0[index] : nil } }
        }
        return current
    }

    mutating func set(_ newValue: Any, at path: Path) {
        manifest = Self.replacing(manifest, path[...], with: newValue) as! [String: Any]
    }

    private static func replacing(_ value: Any, _ path: ArraySlice<AnyHashable>, with newValue: Any) -> Any {
        guard let key = path.first else { return newValue }
        if let name = key as? String, var object = value as? [String: Any] {
            object[name] = replacing(object[name] as Any, path.dropFirst(), with: newValue)
            return object
        }
        if let index = key as? Int, var array = value as? [Any] {
            array[index] = replacing(array[index], path.dropFirst(), with: newValue)
            return array
        }
        return value
    }
}

/// A small but complete int8 DistilBERT sequence classifier (the fixture checkpoint, packed with the
/// default narrow grids and smoothing on one Linear), with a stand-in tokenizer blob.
enum CompletePack {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/checkpoints/distilbert-seqcls-safetensors").path
    static let smoothedLinear = "transformer.layer.0.attention.q_lin"
    /// The crafted file's forced grids (narrow, so the grid checks have something to refuse).
    static let linearBits = 7, embeddingBits = 6

    static func write(to path: String, labels: [String]? = nil,
                      edit: (inout [PackedTensorEntry], PackWriter) throws -> Void = { _, _ in }) throws {
        let checkpoint = try Checkpoint.load(directory: folder)
        let writer = PackWriter(compressionLevel: 3)
        let hidden = checkpoint.config.hiddenSize
        var entries = try Quantizer.pack(checkpoint.tensors, plan: QuantizationPlan(mode: .int8, embeddingBits: embeddingBits, linearBits: linearBits), into: writer,
                                         activationMaxima: [smoothedLinear: (0..<hidden).map { 1 + Float($0 % 5) }])
        try edit(&entries, writer)
        let tokenizer = try Quantizer.pack(PackSamples.fakeKoBertTokenizer(), maxLength: 64, into: writer)
        let config = checkpoint.config
        let manifest = PackManifest(config: config, task: "nsmc",
                                    labels: labels ?? config.id2label.keys.sorted().map { config.id2label[$0]! },
                                    tokenizer: tokenizer, tensors: entries, quantization: nil,
                                    provenance: Provenance(tool: "tests", created: "2026-01-01T00:00:00Z", sources: []))
        try writer.write(manifest: manifest, to: path)
    }

    /// Everything a load checks, the tokenizer's blobs included but not its parse (a stand-in here):
    /// open, every blob and value, the encoder and head built, labels against the classifier.
    static func load(_ path: String) throws {
        let file = try PackFile(path: path)
        try PackedWeights(file: file, threads: 1).verifyAll()
        _ = try ModelLoader.packedPredictor(file, task: nil, tokenizer: nil, threads: 1)
    }
}
