import Foundation
import KoBERTCore

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

    public init(mode: PackMode = .int8, keepFloat: [String] = [], smoothing: Float? = 0.5) {
        self.mode = mode; self.keepFloat = keepFloat; self.smoothing = smoothing
    }

    public static let wordEmbeddings = "embeddings.word_embeddings.weight"

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
            if name == Self.wordEmbeddings && shape.count == 2 { return .i8 }
            if Self.isLinearWeight(name, shape: shape) {
                return keepsFloat(linearPrefix: String(name.dropLast(".weight".count))) ? .f32 : .i8
            }
            return .f32
        }
    }
}
