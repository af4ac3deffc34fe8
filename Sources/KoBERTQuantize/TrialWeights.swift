import Foundation
import KoBERTCore
import KoBERTKernels
import KoBERTModel
import KoBERTFormat
import KoBERTRuntime

/// The packed model as it would load, built in memory with any grid per tensor: the sensitivity
/// pass runs many such variants without writing a file. Values come from Quantizer.int8, and the
/// operators are the ones PackedWeights hands the encoder, so a trial computes what the file would.
final class TrialOperators {
    let reference: any WeightStore
    let tensors: [String: Tensor]
    let plan: QuantizationPlan
    let activationMaxima: [String: [Float]]
    /// Operators at the plan's own grid are asked for in every trial: built once.
    private var linears: [String: any LinearOperator] = [:]
    private var tables: [String: any EmbeddingTable] = [:]

    init(reference: any WeightStore, tensors: [String: Tensor], plan: QuantizationPlan, activationMaxima: [String: [Float]]) {
        self.reference = reference; self.tensors = tensors; self.plan = plan; self.activationMaxima = activationMaxima
    }

    func isInt8(_ name: String) -> Bool {
        guard let tensor = tensors[name] else { return false }
        return plan.dtype(for: name, shape: tensor.shape) == .i8
    }

    /// The grid a tensor gets when the trial does not name it: the plan's (forced or 8).
    func defaultBits(_ name: String) -> Int { plan.bits(for: name, shape: tensors[name]!.shape) ?? 8 }

    func quantized(_ name: String, bits: Int) -> Quantizer.Int8Tensor {
        let tensor = tensors[name]!
        return Quantizer.int8(tensor, bits: bits,
                              smoothing: Quantizer.smoothingFactors(name, tensor, plan: plan, activationMaxima: activationMaxima))
    }

    func linear(_ prefix: String, bits: Int) throws -> any LinearOperator {
        let name = prefix + ".weight"
        guard isInt8(name) else { return try reference.linear(prefix) }
        if bits == defaultBits(name), let cached = linears[name] { return cached }
        let shape = tensors[name]!.shape
        let q = quantized(name, bits: bits)
        let op = KernelBridge.int8Linear(values: q.values, scales: q.scales,
                                         bias: try reference.linearBias(prefix, outFeatures: shape[0]),
                                         outFeatures: shape[0], inFeatures: shape[1], inputScales: q.inputScales)
        if bits == defaultBits(name) { linears[name] = op }
        return op
    }

    func embedding(_ prefix: String, bits: Int) throws -> any EmbeddingTable {
        let name = prefix + ".weight"
        guard isInt8(name) else { return try reference.embedding(prefix) }
        if bits == defaultBits(name), let cached = tables[name] { return cached }
        let shape = tensors[name]!.shape
        let q = quantized(name, bits: bits)
        let table: any EmbeddingTable
        if bits < 8 {
            guard let packed = BitPackedEmbeddingTable(values: q.values, scales: q.scales, rows: shape[0], dim: shape[1], bits: bits) else {
                throw KoBERTError("\(name): the \(bits)-bit quantizer produced values off its grid")
            }
            table = packed
        } else {
            table = Int8EmbeddingTable(values: q.values, scales: q.scales, rows: shape[0], dim: shape[1])
        }
        if bits == defaultBits(name) { tables[name] = table }
        return table
    }

    /// Bytes zstd needs for the tensor at `bits`, estimated from the entropy of its values (the
    /// values of a weight matrix are nearly independent, and zstd's entropy stage comes within a
    /// few % of this), plus the fp32 scales. Ranks the choices; the file is measured after.
    func estimatedBytes(_ name: String, bits: Int, factors: [Float]?) -> Double {
        let q = quantized(name, bits: bits)
        var counts = [Int](repeating: 0, count: 256)
        for v in q.values { counts[Int(UInt8(bitPattern: v))] += 1 }
        let total = Double(q.values.count)
        let entropy = counts.reduce(0.0) { sum, c in c == 0 ? sum : sum - Double(c) / total * log2(Double(c) / total) }
        return entropy * total / 8 + Double(q.scales.count * 4 + (factors?.count ?? 0) * 4)
    }
}

/// One trial's view: `bits` for the tensors it names, the plan's grid for the other int8 tensors,
/// fp32 for the rest.
struct TrialWeights: WeightStoreWrapper {
    let operators: TrialOperators
    let bits: [String: Int]
    var base: any WeightStore { operators.reference }

    /// Float values as PackedWeights gives them: an int8 tensor dequantized.
    func tensor(_ name: String) throws -> Tensor {
        guard operators.isInt8(name) else { return try operators.reference.tensor(name) }
        let q = operators.quantized(name, bits: bits[name] ?? operators.defaultBits(name))
        let columns = q.values.count / max(q.scales.count, 1)
        var data = [Float](repeating: 0, count: q.values.count)
        for i in data.indices { data[i] = Float(q.values[i]) * q.scales[i / columns] / (q.inputScales?[i % columns] ?? 1) }
        return Tensor(shape: operators.tensors[name]!.shape, data: data)
    }

    func linear(_ prefix: String) throws -> any LinearOperator {
        let name = prefix + ".weight"
        return try operators.linear(prefix, bits: bits[name] ?? (operators.isInt8(name) ? operators.defaultBits(name) : 8))
    }

    func embedding(_ prefix: String) throws -> any EmbeddingTable {
        let name = prefix + ".weight"
        return try operators.embedding(prefix, bits: bits[name] ?? (operators.isInt8(name) ? operators.defaultBits(name) : 8))
    }
}
