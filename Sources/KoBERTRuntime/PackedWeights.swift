import Foundation
import Synchronization
import KoBERTCore
import KoBERTKernels
import KoBERTModel
import KoBERTFormat

/// The weights of a packed file as the encoder asks for them: int8 linears stay int8 (handed to
/// the kernels' int8 operator), int8 embedding tables stay int8 (or `bits` bits, bit-packed) and
/// are dequantized one row at a time, and everything else (LayerNorm, biases, small heads) is fp32.
///
/// A background thread decompresses tensors in the order the encoder asks for them, a few MB
/// ahead, while the caller's thread repacks them into the kernels' layout. Each int8 payload is
/// handed over once and then dropped here, so the model is never held twice in memory.
public final class PackedWeights: WeightStore, Sendable {
    public let file: PackFile
    public var config: ModelConfig { file.manifest.config }
    public var source: String { file.path }

    enum Payload {
        case float([Float])
        case int8(values: [Int8], scales: [Float], inputScales: [Float]?)
    }

    /// How far (in decompressed bytes) decoding may run ahead of the encoder.
    static let prefetchBudget = 3 << 20

    private let floats = Mutex<[String: [Float]]>([:])
    private let entries: [String: PackedTensorEntry]
    private let prefetcher: TensorPrefetcher?

    /// `threads` > 1 decodes ahead on a second thread; 1 decodes each tensor when asked.
    public init(file: PackFile, threads: Int = 2) throws {
        Self.returnLargeBuffersToTheSystem
        self.file = file
        var entries: [String: PackedTensorEntry] = [:]
        for entry in file.manifest.tensors { entries[entry.name] = entry }
        self.entries = entries
        prefetcher = threads > 1
            ? TensorPrefetcher(order: file.manifest.tensors.sorted { Self.loadRank($0.name) < Self.loadRank($1.name) },
                               budget: Self.prefetchBudget, decode: { try Self.decode($0, from: file) })
            : nil
    }

    /// glibc raises its mmap threshold after a large buffer is freed, so later multi-MB buffers
    /// land in the heap and stay resident after `free`. Loading allocates and frees many such
    /// buffers (compressed blobs, payloads before repacking): a fixed threshold keeps them mmap'ed
    /// and returned at once, which is several MB of peak RSS. Process-wide, set once.
    static let returnLargeBuffersToTheSystem: Void = {
        #if os(Linux)
        // mallopt is not in Swift's Glibc module; look it up. M_MMAP_THRESHOLD is -3 in <malloc.h>.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {
            _ = unsafeBitCast(symbol, to: Mallopt.self)(-3, 256 << 10)
        }
        #endif
    }()

    public convenience init(path: String, threads: Int = 2) throws {
        try self.init(file: try PackFile(path: path), threads: threads)
    }

    deinit { prefetcher?.stop() }

    /// Reads every tensor once with the load's value checks, and every other blob (the tokenizer),
    /// so a damaged or out-of-range file is reported now rather than at first use.
    public func verifyAll() throws {
        for entry in file.manifest.tensors { _ = try Self.decode(entry, from: file) }
        if let tokenizer = file.manifest.tokenizer { _ = try ModelLoader.packedTokenizerFiles(tokenizer, in: file) }
    }

    public func has(_ name: String) -> Bool { entries[name] != nil }

    public func tensor(_ name: String) throws -> Tensor {
        guard let entry = entries[name] else { throw KoBERTError("\(source): tensor \(name) is missing") }
        switch try payload(name, keep: true) {
        case .float(let values):
            return Tensor(shape: entry.shape, data: values)
        case .int8(let values, let scales, let inputScales):
            let columns = values.count / max(scales.count, 1)
            var data = [Float](repeating: 0, count: values.count)
            for i in data.indices { data[i] = Float(values[i]) * scales[i / columns] / (inputScales?[i % columns] ?? 1) }
            return Tensor(shape: entry.shape, data: data)
        }
    }

    public func linear(_ prefix: String) throws -> any LinearOperator {
        let name = prefix + ".weight"
        guard let entry = entries[name] else { throw KoBERTError("\(source): tensor \(name) is missing") }
        guard entry.shape.count == 2 else {
            throw KoBERTError("\(source): tensor \(name) has shape \(entry.shape), expected 2 dimensions")
        }
        let (outFeatures, inFeatures) = (entry.shape[0], entry.shape[1])
        let bias = try linearBias(prefix, outFeatures: outFeatures)
        switch try payload(name, keep: false) {
        case .float(let weight):
            return FloatLinear(weight: weight, bias: bias, outFeatures: outFeatures, inFeatures: inFeatures)
        case .int8(let values, let scales, let inputScales):
            return KernelBridge.int8Linear(values: values, scales: scales, bias: bias,
                                           outFeatures: outFeatures, inFeatures: inFeatures, inputScales: inputScales)
        }
    }

    public func embedding(_ prefix: String) throws -> any EmbeddingTable {
        let name = prefix + ".weight"
        guard let entry = entries[name] else { throw KoBERTError("\(source): tensor \(name) is missing") }
        guard entry.shape.count == 2 else {
            throw KoBERTError("\(source): tensor \(name) has shape \(entry.shape), expected 2 dimensions")
        }
        switch try payload(name, keep: false) {
        case .float(let values):
            return FloatEmbeddingTable(values: values, rows: entry.shape[0], dim: entry.shape[1])
        case .int8(let values, let scales, _):
            if let bits = entry.bits, bits < 8 {
                guard let table = BitPackedEmbeddingTable(values: values, scales: scales, rows: entry.shape[0],
                                                          dim: entry.shape[1], bits: bits) else {
                    throw KoBERTError("\(source): tensor \(name) has values outside its \(bits)-bit range (file is corrupt)")
                }
                return table
            }
            return Int8EmbeddingTable(values: values, scales: scales, rows: entry.shape[0], dim: entry.shape[1])
        }
    }

    /// The decoded payload. Float tensors are kept (biases are asked for more than once);
    /// int8 ones are handed over and forgotten (decoded again if asked twice).
    private func payload(_ name: String, keep: Bool) throws -> Payload {
        let cached = floats.withLock { $0[name] }
        if let cached { return .float(cached) }
        let entry = entries[name]!
        let decoded = try prefetcher?.take(entry) ?? Self.decode(entry, from: file)
        if case .float(let values) = decoded, keep {
            floats.withLock { $0[name] = values }
        }
        return decoded
    }

    /// Roughly the order Encoder's init asks for tensors: embeddings, then each layer's
    /// attention, feed-forward and norms, then the head.
    static func loadRank(_ name: String) -> (Int, Int, String) {
        let parts = name.split(separator: ".")
        guard let at = parts.firstIndex(of: "layer"), at + 1 < parts.count, let layer = Int(parts[at + 1]) else {
            return (name.hasPrefix("embeddings.") ? 0 : Int.max, 0, name)
        }
        let steps = ["q_lin", "query", "k_lin", "key", "v_lin", "value", "out_lin", "attention.output.dense",
                     "sa_layer_norm", "attention.output.LayerNorm", "lin1", "intermediate", "lin2", "output.dense",
                     "output_layer_norm", "output.LayerNorm"]
        let step = steps.firstIndex { name.contains($0) } ?? steps.count
        return (layer + 1, step, name)
    }

    /// One tensor's payload. The sizes were checked with the manifest (PackFile); the values are
    /// checked here, as they are decoded: an i8 value outside its `bits` grid (±127 when absent)
    /// or a scale that is not finite fails the load rather than computing garbage.
    static func decode(_ entry: PackedTensorEntry, from file: PackFile) throws -> Payload {
        try entry.validateSizes(file: file.path)
        let what = "tensor \(entry.name)"
        let count = try CheckedSize.elementCount(entry.shape, minimumDimension: 1, "\(file.path): \(what)")
        switch entry.dtype {
        case .f32:
            return .float(try file.blobArray(entry.data, of: Float.self, count: count, what: what))
        case .f16:
            let halves = try file.blobArray(entry.data, of: UInt16.self, count: count, what: what)
            return .float(halves.map { Float(Float16(bitPattern: UInt16(littleEndian: $0))) })
        case .i8:
            guard let scalesRef = entry.scales else { throw sizeError(entry, file) }
            let values = try file.blobArray(entry.data, of: Int8.self, count: count, what: what)
            let bits = entry.bits ?? 8
            guard Self.fitGrid(values, bits: bits) else {
                throw KoBERTError("\(file.path): tensor \(entry.name) has values outside its \(bits)-bit range (file is corrupt)")
            }
            let scales = try file.blobArray(scalesRef, of: Float.self, count: entry.shape[0], what: "scales of \(what)")
            guard scales.allSatisfy(\.isFinite) else {
                throw KoBERTError("\(file.path): tensor \(entry.name) has a scale that is not finite (file is corrupt)")
            }
            var inputScales: [Float]? = nil
            if let ref = entry.inputScales {
                let factors = try file.blobArray(ref, of: Float.self, count: entry.shape[1], what: "input scales of \(what)")
                // The runtime divides by each factor: it must be a positive finite number.
                guard factors.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                    throw KoBERTError("\(file.path): tensor \(entry.name) has an input scale that is not a positive finite number (file is corrupt)")
                }
                inputScales = factors
            }
            return .int8(values: values, scales: scales, inputScales: inputScales)
        }
    }

    /// Whether every value lies in ±(2^(bits−1) − 1), FORMAT.md's grid (so −128 never at 8 bits).
    static func fitGrid(_ values: [Int8], bits: Int) -> Bool {
        let limit = Int8((1 << (bits - 1)) - 1)
        return values.withUnsafeBufferPointer { all in
            // One pass of min/max vectorizes; the test itself is then two comparisons.
            var low: Int8 = 0, high: Int8 = 0
            for v in all { low = min(low, v); high = max(high, v) }
            return low >= -limit && high <= limit
        }
    }

    private static func sizeError(_ entry: PackedTensorEntry, _ file: PackFile) -> KoBERTError {
        KoBERTError("\(file.path): tensor \(entry.name) (\(entry.dtype.rawValue), shape \(entry.shape)) has blob sizes that do not match its shape")
    }
}
