import KoBERTCore

/// The tensors one weight file declares, located but not yet decoded, in file order.
struct WeightListing {
    let file: FileBytes
    var tensors: [StoredTensor] = []
    /// Integer tensors (e.g. `position_ids`), recognised and left out.
    var skipped: [String] = []

    init(file: FileBytes) { self.file = file }

    mutating func add(_ tensor: StoredTensor) {
        if tensor.type.isFloatingPoint { tensors.append(tensor) } else { skipped.append(tensor.name) }
    }

    /// Decodes every floating tensor to fp32, keyed by the names as stored.
    func materialize() throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        result.reserveCapacity(tensors.count)
        for tensor in tensors {
            guard result[tensor.name] == nil else {
                throw KoBERTError("\(file.name): tensor \(tensor.name) appears twice")
            }
            result[tensor.name] = try tensor.materialize(from: file)
        }
        return result
    }
}
