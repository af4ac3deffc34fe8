import Foundation
import KoBERTCore
import KoBERTFormat
import KoBERTRuntime
import KoBERTTokenizer

/// Turns fp32 tensors into the blobs and tensor table of a packed file, following a plan.
/// int8 values come from the kernels' reference per-row quantizer, which defines the format.
public enum Quantizer {
    /// One i8 tensor on its grid: values, per-row scales, and the smoothing factors where used.
    public struct Int8Tensor {
        public var values: [Int8]
        public var scales: [Float]
        public var inputScales: [Float]?
    }

    /// The SmoothQuant factors of an i8 Linear, nil where the plan or the statistics give none.
    static func smoothingFactors(_ name: String, _ tensor: Tensor, plan: QuantizationPlan,
                                 activationMaxima: [String: [Float]]) -> [Float]? {
        guard plan.dtype(for: name, shape: tensor.shape) == .i8, QuantizationPlan.isLinearWeight(name, shape: tensor.shape),
              let alpha = plan.smoothing, let maxima = activationMaxima[String(name.dropLast(".weight".count))],
              maxima.count == tensor.shape[1] else { return nil }
        return KernelBridge.smoothingScales(activationMaxima: maxima, weight: tensor.data, rows: tensor.shape[0],
                                            columns: tensor.shape[1], alpha: alpha)
    }

    /// The one rule that turns an fp32 2-D tensor into the file's i8 values (FORMAT.md): the
    /// packer and the sensitivity pass both call it, so what is measured is what is written.
    static func int8(_ tensor: Tensor, bits: Int, smoothing factors: [Float]?) -> Int8Tensor {
        let (rows, columns) = (tensor.shape[0], tensor.shape[1])
        if let factors {
            let (values, scales) = KernelBridge.quantizePerRow(tensor.data, rows: rows, columns: columns,
                                                               inputScales: factors, bits: bits)
            return Int8Tensor(values: values, scales: scales, inputScales: factors)
        }
        let (values, scales) = KernelBridge.quantizePerRow(tensor.data, rows: rows, columns: columns, bits: bits)
        return Int8Tensor(values: values, scales: scales, inputScales: nil)
    }

    /// Compresses every tensor (in parallel) into `writer`; returns the tensor table in name order.
    /// `activationMaxima` (Linear prefix → max |x| per input channel) enables outlier smoothing
    /// where the plan asks for it.
    public static func pack(_ tensors: [String: Tensor], plan: QuantizationPlan, into writer: PackWriter,
                            activationMaxima: [String: [Float]] = [:],
                            progress: (String) -> Void = { _ in }) throws -> [PackedTensorEntry] {
        let names = tensors.keys.sorted()
        var raws: [[UInt8]] = []
        var layout: [(name: String, dtype: PackDType, shape: [Int], hasScales: Bool, hasInputScales: Bool, bits: Int?)] = []
        for (index, name) in names.enumerated() {
            let tensor = tensors[name]!
            let dtype = plan.dtype(for: name, shape: tensor.shape)
            let factors = smoothingFactors(name, tensor, plan: plan, activationMaxima: activationMaxima)
            let bits = plan.bits(for: name, shape: tensor.shape)
            progress("[\(index + 1)/\(names.count)] \(dtype.rawValue)\(bits.map { " \($0)-bit" } ?? "")\(factors == nil ? "" : " smoothed") \(name) \(tensor.shape)")
            switch dtype {
            case .f32:
                raws.append(tensor.data.withUnsafeBytes { Array($0) })
            case .f16:
                let halves = tensor.data.map { Float16($0).bitPattern.littleEndian }
                raws.append(halves.withUnsafeBytes { Array($0) })
            case .i8:
                let quantized = int8(tensor, bits: bits ?? 8, smoothing: factors)
                raws.append(quantized.values.withUnsafeBytes { Array($0) })
                raws.append(quantized.scales.withUnsafeBytes { Array($0) })
                if let inputScales = quantized.inputScales { raws.append(inputScales.withUnsafeBytes { Array($0) }) }
            }
            layout.append((name, dtype, tensor.shape, dtype == .i8, factors != nil, bits))
        }
        progress("compressing \(raws.count) blobs with zstd level \(writer.compressionLevel)")
        var refs = try writer.addBlobs(raws)[...]
        return layout.map { item in
            let data = refs.removeFirst()
            let scales = item.hasScales ? refs.removeFirst() : nil
            let inputScales = item.hasInputScales ? refs.removeFirst() : nil
            return PackedTensorEntry(name: item.name, dtype: item.dtype, shape: item.shape, data: data, scales: scales,
                                     inputScales: inputScales, bits: item.bits)
        }
    }

    /// Adds the tokenizer's two files as blobs.
    /// The tokenizer's files, verbatim: KoBERT's as the version-1 `model` + `vocab` blobs, any other
    /// kind's by name (FORMAT.md). `lowercase` is KoBERT's do_lower_case.
    public static func pack(_ tokenizer: TokenizerFileSet, lowercase: Bool = false, maxLength: Int,
                            into writer: PackWriter) throws -> PackedTokenizer {
        if tokenizer.kind == .koBertSentencePiece {
            let refs = try writer.addBlobs([tokenizer.bytes(KoBertTokenizer.modelFileName)!, tokenizer.bytes(KoBertTokenizer.vocabFileName)!])
            return PackedTokenizer(modelFileName: KoBertTokenizer.modelFileName, lowercase: lowercase,
                                   maxLength: maxLength, model: refs[0], vocab: refs[1])
        }
        let refs = try writer.addBlobs(tokenizer.files.map(\.bytes))
        return PackedTokenizer(kind: tokenizer.kind.manifestName, maxLength: maxLength,
                               files: zip(tokenizer.files, refs).map { PackedTokenizerFile(name: $0.name, data: $1) })
    }
}
