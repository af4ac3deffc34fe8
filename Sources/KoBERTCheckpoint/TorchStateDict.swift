import KoBERTCore

/// Turns the unpickled state dict into located tensors: storage keys resolved to byte ranges by
/// the caller (zip entries or legacy raw blocks).
enum TorchStateDict {
    struct StorageLocation {
        let byteOffset: Int
        let count: Int   // elements actually present in the file
    }

    static func listing(_ root: PickleValue, file: FileBytes,
                        locate: (TorchStorageRef) throws -> StorageLocation) throws -> WeightListing {
        let dict = try stateDict(root, file: file)
        var listing = WeightListing(file: file)
        for (key, value) in dict.entries {
            guard case .string(let name) = key else { throw KoBERTError("\(file.name): state dict key is a \(key.kind)") }
            guard case .tensor(let ref) = value else {
                throw KoBERTError("\(file.name): tensor \(name): state dict value is a \(value.kind), not a tensor")
            }
            let location = try locate(ref.storage)
            guard ref.storage.viewOffset <= location.count else {
                throw KoBERTError("\(file.name): tensor \(name): storage view lies outside storage \(ref.storage.key)")
            }
            let available = min(ref.storage.count, location.count - ref.storage.viewOffset)
            let what = "\(file.name): tensor \(name): storage view"
            let viewStart = try CheckedSize.sum(location.byteOffset,
                                                try CheckedSize.product(ref.storage.viewOffset, ref.storage.type.byteSize, what), what)
            listing.add(StoredTensor(
                name: name, type: ref.storage.type, shape: ref.shape, strides: ref.strides,
                elementOffset: ref.offset, storageByteOffset: viewStart, storageCount: available))
        }
        return listing
    }

    /// The dict of tensors: the pickle's root, or a `state_dict` / `model` entry of it.
    private static func stateDict(_ root: PickleValue, file: FileBytes) throws -> PickleDict {
        guard case .dict(let dict) = root else {
            throw KoBERTError("\(file.name): the pickle holds a \(root.kind), not a state dict")
        }
        let hasTensors = dict.entries.contains { if case .tensor = $0.value { return true } else { return false } }
        if !hasTensors {
            for (key, value) in dict.entries {
                if case .string(let name) = key, name == "state_dict" || name == "model", case .dict(let inner) = value {
                    return inner
                }
            }
        }
        return dict
    }
}
