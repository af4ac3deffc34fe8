import Foundation
import KoBERTCore
import KoBERTFormat
import KoBERTRuntime

/// How the quantizer stores the model.
public enum PackMode: String, Sendable, CaseIterable {
    /// int8 linears (per output channel) and word embeddings (per row); the rest fp32.
    case int8
    /// Every tensor fp16, nothing quantized: a half-size float reference.
    case fp16
    /// Every tensor fp32, nothing quantized: the exact reference.
    case fp32
}

/// Decides each tensor's storage type from its canonical name and shape.
public struct QuantizationPlan: Sendable {
    public var mode: PackMode
    /// Linears and embedding tables whose prefix matches one of these stay fp32: a glob (`*`, `?`)
    /// matched against the whole prefix, or, without wildcards, a substring ("attention",
    /// "layer.2.ffn", "classifier", "embeddings.word_embeddings").
    public var keepFloat: [String]
    /// SmoothQuant migration strength α (0…1) for int8 linears, or nil for plain per-channel
    /// weights. Uses activation statistics from the calibration text. Default 0.5: on a trained
    /// BERT (all-MiniLM-L6-v2) it lifts the worst mean-pooled cosine from 0.988 to 0.996.
    public var smoothing: Float?
    /// When true (kobert-quantize's default), `smoothing` is measured against no smoothing on the
    /// calibration sentences and kept only where it helps (`SensitivityPass.chooseSmoothing`); false: used as given.
    public var measuresSmoothing = false

    /// Bits of the word and position embedding tables (4…8), forced; nil: chosen per table by the
    /// sensitivity pass (SensitivityPass), 8 where no pass runs. Fewer bits, a coarser grid per row,
    /// which the runtime keeps that narrow in memory and zstd stores in fewer bytes.
    public var embeddingBits: Int?

    /// Bits of every int8 Linear weight (4…8), forced; nil: chosen per Linear by the sensitivity
    /// pass, 8 where no pass runs. The kernels run them as int8 either way; fewer bits only make
    /// the file smaller (zstd codes the narrower values in fewer bits).
    public var linearBits: Int?

    /// What the sensitivity pass may spend: the packed model's outputs must stay this close to fp32.
    public var fidelity: FidelityBudget

    /// Per tensor, the grid the sensitivity pass chose; wins over the defaults above.
    public var chosenBits: [String: Int] = [:]

    public init(mode: PackMode = .int8, keepFloat: [String] = [], smoothing: Float? = 0.5,
                embeddingBits: Int? = nil, linearBits: Int? = nil, fidelity: FidelityBudget = .standard) {
        self.mode = mode; self.keepFloat = keepFloat; self.smoothing = smoothing; self.embeddingBits = embeddingBits
        self.linearBits = linearBits; self.fidelity = fidelity
    }

    public static let wordEmbeddings = "embeddings.word_embeddings.weight"
    public static let bitsRange = 4...8

    /// An embedding table (word, position, token type): 2-D "embeddings.…_embeddings.weight".
    public static func isEmbeddingTable(_ name: String, shape: [Int]) -> Bool {
        shape.count == 2 && name.hasPrefix("embeddings.") && name.hasSuffix("_embeddings.weight")
    }

    public static let positionEmbeddings = "embeddings.position_embeddings.weight"

    /// The `bits` an i8 tensor is stored with, nil for the full 8.
    public func bits(for name: String, shape: [Int]) -> Int? {
        guard dtype(for: name, shape: shape) == .i8 else { return nil }
        let bits = chosenBits[name]
            ?? (Self.isLinearWeight(name, shape: shape) ? linearBits : Self.isMeasuredTable(name) ? embeddingBits : nil)
            ?? 8
        return bits < 8 ? bits : nil
    }

    /// The tables whose grid the pass measures (or --embedding-bits forces): word and position
    /// embeddings. Token-type tables (2 rows) have nothing to save.
    public static func isMeasuredTable(_ name: String) -> Bool {
        name == wordEmbeddings || name == positionEmbeddings
    }

    /// The i8 tensors whose grid is left to the sensitivity pass, in name order.
    public func measuredTensors(_ shapes: [String: [Int]]) -> [String] {
        guard mode == .int8 else { return [] }
        return shapes.keys.sorted().filter { name in
            let shape = shapes[name]!
            guard dtype(for: name, shape: shape) == .i8 else { return false }
            if Self.isLinearWeight(name, shape: shape) { return linearBits == nil }
            return Self.isMeasuredTable(name) && embeddingBits == nil
        }
    }

    /// A Linear's weight: 2-D, named "….weight", outside the embeddings.
    public static func isLinearWeight(_ name: String, shape: [Int]) -> Bool {
        shape.count == 2 && name.hasSuffix(".weight") && !name.hasPrefix("embeddings.")
    }

    public func keepsFloat(linearPrefix prefix: String) -> Bool {
        keepFloat.contains { pattern in
            if pattern.contains("*") || pattern.contains("?") { return fnmatch(pattern, prefix, 0) == 0 }
            return prefix.contains(pattern)
        }
    }

    /// The --keep-fp32 patterns that match none of `linearPrefixes` (most likely typos).
    public func unmatchedKeepFloatPatterns(linearPrefixes: [String]) -> [String] {
        keepFloat.filter { pattern in
            !linearPrefixes.contains { QuantizationPlan(mode: mode, keepFloat: [pattern], smoothing: nil).keepsFloat(linearPrefix: $0) }
        }
    }

    public func dtype(for name: String, shape: [Int]) -> PackDType {
        switch mode {
        case .fp32: return .f32
        case .fp16: return .f16
        case .int8:
            // Positions too: a 512 × 768 fp32 table is 1.5 MB resident, int8 per row loses nothing visible.
            if Self.isEmbeddingTable(name, shape: shape) {
                return keepsFloat(linearPrefix: String(name.dropLast(".weight".count))) ? .f32 : .i8
            }
            if Self.isLinearWeight(name, shape: shape) {
                return keepsFloat(linearPrefix: String(name.dropLast(".weight".count))) ? .f32 : .i8
            }
            return .f32
        }
    }
}

