import KoBERTCore

/// Where a blob lives in the data section and how to check it. See FORMAT.md.
public struct BlobRef: Codable, Sendable, Equatable {
    /// Bytes from the start of the data section.
    public var offset: Int
    /// zstd frame size as stored.
    public var storedSize: Int
    /// Size after decompression.
    public var rawSize: Int
    /// CRC-32C of the stored (compressed) bytes, checked before decompressing.
    public var crc32c: UInt32

    public init(offset: Int, storedSize: Int, rawSize: Int, crc32c: UInt32) {
        self.offset = offset; self.storedSize = storedSize; self.rawSize = rawSize; self.crc32c = crc32c
    }
}

/// How a tensor's values are stored.
public enum PackDType: String, Codable, Sendable {
    case f32, f16
    /// Symmetric int8, one fp32 scale per row (output channel of a Linear, token of an embedding).
    case i8
}

public struct PackedTensorEntry: Codable, Sendable {
    public var name: String
    public var dtype: PackDType
    public var shape: [Int]
    public var data: BlobRef
    /// i8 only: shape[0] little-endian fp32 scales, value = int8 × scale of its row.
    public var scales: BlobRef?
    /// i8 Linears quantized with outlier smoothing only: shape[1] fp32 factors s[k]. The stored
    /// weights are W[o][k]·s[k]; the runtime divides input channel k by s[k] before quantizing it.
    public var inputScales: BlobRef?
    /// i8 only, absent = 8: every value lies in ±(2^(bits−1) − 1), so a reader may hold the tensor
    /// in `bits` bits a value. The bytes mean the same either way; a reader that ignores it is right.
    public var bits: Int?

    public init(name: String, dtype: PackDType, shape: [Int], data: BlobRef, scales: BlobRef? = nil,
                inputScales: BlobRef? = nil, bits: Int? = nil) {
        self.name = name; self.dtype = dtype; self.shape = shape; self.data = data; self.scales = scales
        self.inputScales = inputScales; self.bits = bits
    }
}

/// The model's tokenizer, its files verbatim. KoBERT's SentencePiece tokenizer keeps the version-1
/// fields `model` + `vocab` (so earlier runtimes still read such files); any other kind (`kind`:
/// "wordpiece", "tokenizer.json") lists its files by name in `files`.
public struct PackedTokenizer: Codable, Sendable {
    /// Name the SentencePiece file had in the model folder (KoBERT kind only).
    public var modelFileName: String
    public var lowercase: Bool
    public var maxLength: Int
    /// Absent: "kobert-sentencepiece".
    public var kind: String?
    public var model: BlobRef?
    public var vocab: BlobRef?
    public var files: [PackedTokenizerFile]?

    public static let koBertKind = "kobert-sentencepiece"
    public var kindName: String { kind ?? Self.koBertKind }

    /// KoBERT's SentencePiece model and vocab.txt.
    public init(modelFileName: String, lowercase: Bool, maxLength: Int, model: BlobRef, vocab: BlobRef) {
        self.modelFileName = modelFileName; self.lowercase = lowercase; self.maxLength = maxLength
        self.model = model; self.vocab = vocab
    }

    /// Another kind's files by name.
    public init(kind: String, maxLength: Int, files: [PackedTokenizerFile]) {
        self.modelFileName = ""; self.lowercase = false; self.maxLength = maxLength
        self.kind = kind; self.files = files
    }
}

public struct PackedTokenizerFile: Codable, Sendable {
    public var name: String
    public var data: BlobRef
    public init(name: String, data: BlobRef) { self.name = name; self.data = data }
}

/// fp32 vs packed agreement measured by the quantizer on calibration text.
public struct QuantizationReport: Codable, Sendable {
    public var mode: String                 // "int8", "fp16" or "fp32"
    public var keptFloat: [String]          // linears and embedding tables left in float by --keep-fp32
    public var smoothing: Float?            // SmoothQuant α, nil when off
    public var calibrationSource: String    // file path or "built-in sample"
    public var sentences: Int
    public var argmaxAgreement: Double?     // classification heads only
    public var maxLogitError: Double
    public var meanLogitError: Double
    public var meanCosine: Double
    public var worstCosine: Double
    /// embed only: the same cosines for the mean-pooled vector.
    public var pooledMeanCosine: Double?
    public var pooledWorstCosine: Double?
    /// Mean relative L2 error of each layer's hidden state (embeddings first), where the encoder exposes it.
    public var layerErrors: [Double]
    /// The budget the sensitivity pass kept (nil: no pass ran, every grid was forced or float).
    public var fidelityBudget: FidelityBudget?
    /// Whether the packed model meets `fidelityBudget` on the calibration sentences.
    public var budgetKept: Bool?
    /// Per tensor the pass measured: its grid and what that grid alone costs at the output.
    public var tensorCosts: [TensorCost]?

    public init(mode: String, keptFloat: [String], calibrationSource: String, sentences: Int,
                smoothing: Float? = nil, argmaxAgreement: Double?, maxLogitError: Double, meanLogitError: Double,
                meanCosine: Double, worstCosine: Double, pooledMeanCosine: Double? = nil,
                pooledWorstCosine: Double? = nil, layerErrors: [Double]) {
        self.mode = mode; self.keptFloat = keptFloat; self.smoothing = smoothing; self.calibrationSource = calibrationSource
        self.sentences = sentences; self.argmaxAgreement = argmaxAgreement; self.maxLogitError = maxLogitError
        self.meanLogitError = meanLogitError; self.meanCosine = meanCosine; self.worstCosine = worstCosine
        self.pooledMeanCosine = pooledMeanCosine; self.pooledWorstCosine = pooledWorstCosine
        self.layerErrors = layerErrors
    }
}

/// What one tensor's grid costs, measured by the sensitivity pass on the calibration sentences:
/// the rise of 1 − cosine (to fp32, at the model's output) when only this tensor leaves the 8-bit
/// grid, averaged over the sentences (`meanCost`) and at the sentence it moves most (`worstCost`).
/// For embed the larger of the [CLS] and mean-pooled figures. 0 at 8 bits.
public struct TensorCost: Codable, Sendable, Equatable {
    public var name: String
    public var bits: Int
    public var meanCost: Double
    public var worstCost: Double

    public init(name: String, bits: Int, meanCost: Double, worstCost: Double) {
        self.name = name; self.bits = bits; self.meanCost = meanCost; self.worstCost = worstCost
    }
}

public struct SourceFile: Codable, Sendable {
    public var file: String
    public var sha256: String

    public init(file: String, sha256: String) { self.file = file; self.sha256 = sha256 }
}

public struct Provenance: Codable, Sendable {
    public var tool: String
    public var created: String
    public var sources: [SourceFile]

    public init(tool: String, created: String, sources: [SourceFile]) {
        self.tool = tool; self.created = created; self.sources = sources
    }
}

/// The JSON manifest: everything needed to rebuild the model except the blob bytes.
public struct PackManifest: Codable, Sendable {
    public var format: String = "kobert-pack"
    public var formatVersion: Int = PackFormat.version
    public var config: ModelConfig
    public var task: String
    public var labels: [String]
    public var tokenizer: PackedTokenizer?
    public var tensors: [PackedTensorEntry]
    public var quantization: QuantizationReport?
    public var provenance: Provenance

    public init(config: ModelConfig, task: String, labels: [String], tokenizer: PackedTokenizer?,
                tensors: [PackedTensorEntry], quantization: QuantizationReport?, provenance: Provenance) {
        self.config = config; self.task = task; self.labels = labels; self.tokenizer = tokenizer
        self.tensors = tensors; self.quantization = quantization; self.provenance = provenance
    }

    public func entry(_ name: String) -> PackedTensorEntry? { tensors.first { $0.name == name } }
}

/// The fixed 64-byte header that precedes the manifest.
enum PackFormat {
    static let magic: [UInt8] = Array("KOBERTPK".utf8)
    static let version = 1
    static let headerSize = 64
    /// The data section starts on this boundary so blobs can be read with aligned I/O.
    static let dataAlignment = 64

    struct Header {
        var version: UInt32
        var manifestLength: UInt64
        var manifestCRC: UInt32
        var dataOffset: UInt64
        var fileSize: UInt64

        /// magic(8) version(4) headerSize(4) manifestLength(8) manifestCRC(4) reserved(4)
        /// dataOffset(8) fileSize(8) headerCRC(4) zero padding to 64, all little-endian.
        func encoded() -> [UInt8] {
            var bytes = PackFormat.magic
            bytes.appendLittleEndian(version)
            bytes.appendLittleEndian(UInt32(PackFormat.headerSize))
            bytes.appendLittleEndian(manifestLength)
            bytes.appendLittleEndian(manifestCRC)
            bytes.appendLittleEndian(UInt32(0))
            bytes.appendLittleEndian(dataOffset)
            bytes.appendLittleEndian(fileSize)
            bytes.appendLittleEndian(CRC32C.checksum(bytes))
            bytes += [UInt8](repeating: 0, count: PackFormat.headerSize - bytes.count)
            return bytes
        }

        package static func decode(_ bytes: [UInt8], file: String) throws -> Header {
            guard bytes.count >= PackFormat.headerSize else {
                throw KoBERTError("\(file): truncated: \(bytes.count) bytes, shorter than the \(PackFormat.headerSize)-byte header")
            }
            guard Array(bytes[0..<8]) == PackFormat.magic else {
                throw KoBERTError("\(file): not a packed KoBERT model (bad magic)")
            }
            let version = bytes.readLittleEndian(UInt32.self, at: 8)
            guard version == UInt32(PackFormat.version) else {
                throw KoBERTError("\(file): unknown format version \(version) (this build reads version \(PackFormat.version))")
            }
            guard CRC32C.checksum(Array(bytes[0..<48])) == bytes.readLittleEndian(UInt32.self, at: 48) else {
                throw KoBERTError("\(file): header checksum mismatch (file is corrupt)")
            }
            // The padding lies outside the header CRC; requiring zeros keeps every header byte checked.
            guard bytes[52..<PackFormat.headerSize].allSatisfy({ $0 == 0 }) else {
                throw KoBERTError("\(file): header padding (bytes 52..<64) is not zero (file is corrupt)")
            }
            let headerSize = bytes.readLittleEndian(UInt32.self, at: 12), reserved = bytes.readLittleEndian(UInt32.self, at: 28)
            guard headerSize == UInt32(PackFormat.headerSize), reserved == 0 else {
                throw KoBERTError("\(file): header size \(headerSize) or reserved field \(reserved) is not \(PackFormat.headerSize) / 0")
            }
            return Header(version: version,
                          manifestLength: bytes.readLittleEndian(UInt64.self, at: 16),
                          manifestCRC: bytes.readLittleEndian(UInt32.self, at: 24),
                          dataOffset: bytes.readLittleEndian(UInt64.self, at: 32),
                          fileSize: bytes.readLittleEndian(UInt64.self, at: 40))
        }
    }

    static func aligned(_ n: Int) -> Int { (n + dataAlignment - 1) / dataAlignment * dataAlignment }
}

extension Array where Element == UInt8 {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    func readLittleEndian<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        var value: T = 0
        for i in 0..<MemoryLayout<T>.size { value |= T(self[offset + i]) << (8 * i) }
        return value
    }
}
