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
    /// Linears whose prefix matches one of these stay fp32: a glob (`*`, `?`) matched against the
    /// whole prefix, or, without wildcards, a substring ("attention", "layer.2.ffn", "classifier").
    public var keepFloat: [String]
    /// SmoothQuant migration strength α (0…1) for int8 linears, or nil for plain per-channel
    /// weights. Uses activation statistics from the calibration text. Default 0.5: on a trained
    /// BERT (all-MiniLM-L6-v2) it lifts the worst mean-pooled cosine from 0.988 to 0.996.
    public var smoothing: Float?

    /// Bits a value of the int8 word embeddings may use (4…8): fewer bits, a coarser grid per row,
    /// which the runtime then keeps that narrow in memory and zstd stores in fewer bytes.
    public var embeddingBits: Int

    /// 6: on full-size DistilKoBERT it saves 1.5 MB of RSS and of file, with logits cosine 0.9993
    /// (random weights) and NSMC / NER dev scores within 0.1 point of fp32; 5 bits fell below 0.999.
    public static let defaultEmbeddingBits = 6

    /// Bits a value of the int8 Linear weights may use (4…8). The kernels run them as int8 either
    /// way; fewer bits only make the file smaller (zstd codes the narrower values in fewer bits).
    public var linearBits: Int

    /// 7 (with 6-bit embeddings): full-size DistilKoBERT packs into 21.4 MB instead of 24.2 MB at
    /// logits cosine 0.99955 mean (random weights), NSMC 87.84 and NER 63.79 against fp32's 87.86 / 63.67.
    public static let defaultLinearBits = 7

    public init(mode: PackMode = .int8, keepFloat: [String] = [], smoothing: Float? = 0.5,
                embeddingBits: Int = QuantizationPlan.defaultEmbeddingBits,
                linearBits: Int = QuantizationPlan.defaultLinearBits) {
        self.mode = mode; self.keepFloat = keepFloat; self.smoothing = smoothing; self.embeddingBits = embeddingBits
        self.linearBits = linearBits
    }

    public static let wordEmbeddings = "embeddings.word_embeddings.weight"
    public static let bitsRange = 4...8

    /// An embedding table (word, position, token type): 2-D "embeddings.…_embeddings.weight".
    public static func isEmbeddingTable(_ name: String, shape: [Int]) -> Bool {
        shape.count == 2 && name.hasPrefix("embeddings.") && name.hasSuffix("_embeddings.weight")
    }

    /// The `bits` an i8 tensor is stored with, nil for the full 8.
    public func bits(for name: String, shape: [Int]) -> Int? {
        guard dtype(for: name, shape: shape) == .i8 else { return nil }
        let bits = name == Self.wordEmbeddings ? embeddingBits : Self.isLinearWeight(name, shape: shape) ? linearBits : 8
        return bits < 8 ? bits : nil
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
            if Self.isEmbeddingTable(name, shape: shape) { return .i8 }
            if Self.isLinearWeight(name, shape: shape) {
                return keepsFloat(linearPrefix: String(name.dropLast(".weight".count))) ? .f32 : .i8
            }
            return .f32
        }
    }
}
