import KoBERTCore

/// `pytorch_model.bin` as torch < 1.6 writes it: consecutive pickles — magic number, protocol
/// version, system info, the state dict (storages as persistent ids), the list of storage keys —
/// then each storage's raw bytes preceded by its element count as a little-endian int64.
enum TorchLegacyReader {
    /// Protocol-2 pickle of the magic number 0x1950a86a20f9469cfc6c (LONG1, 10 bytes).
    static let magicPickle: [UInt8] = [0x80, 0x02, 0x8A, 0x0A,
                                       0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]

    static func isLegacy(_ file: FileBytes) -> Bool {
        guard file.count >= magicPickle.count else { return false }
        return file.copy(0, magicPickle.count) == magicPickle
    }

    static func list(_ file: FileBytes) throws -> WeightListing {
        guard isLegacy(file) else { throw KoBERTError("\(file.name): not a legacy torch checkpoint (bad magic number)") }
        let rules = TorchPickleRules(fileName: file.name)
        var position = magicPickle.count

        let (version, afterVersion) = try Unpickler.load(ByteReader(file, from: position), rules: rules)
        guard case .int(1001) = version else { throw KoBERTError("\(file.name): unsupported legacy protocol version") }
        position = afterVersion

        let (systemInfo, afterInfo) = try Unpickler.load(ByteReader(file, from: position), rules: rules)
        try checkLittleEndian(systemInfo, file: file)
        position = afterInfo

        let (stateDict, afterState) = try Unpickler.load(ByteReader(file, from: position), rules: rules)
        position = afterState

        let (keyList, afterKeys) = try Unpickler.load(ByteReader(file, from: position), rules: rules)
        guard case .list(let keys) = keyList else { throw KoBERTError("\(file.name): storage key list missing") }
        position = afterKeys

        // The element type of each storage comes from the tensors that use it.
        let types = try storageTypes(stateDict, file: file)
        var locations: [String: TorchStateDict.StorageLocation] = [:]
        var reader = ByteReader(file, from: position)
        for keyValue in keys.items {
            guard case .string(let key) = keyValue else { throw KoBERTError("\(file.name): storage key is a \(keyValue.kind)") }
            guard let type = types[key] else { throw KoBERTError("\(file.name): storage \(key) is used by no tensor") }
            let declared = try CheckedSize.int(try reader.u64(), "\(file.name): storage \(key) element count")
            let bytes = try CheckedSize.product(declared, type.byteSize, "\(file.name): storage \(key)")
            guard bytes <= reader.remaining else {
                throw file.truncated("storage \(key) declares \(declared) elements, \(reader.remaining) bytes remain")
            }
            locations[key] = .init(byteOffset: reader.position, count: declared)
            try reader.skip(bytes)
        }
        return try TorchStateDict.listing(stateDict, file: file) { storage in
            guard let location = locations[storage.key] else {
                throw KoBERTError("\(file.name): storage \(storage.key) is missing from the file")
            }
            return location
        }
    }

    private static func checkLittleEndian(_ info: PickleValue, file: FileBytes) throws {
        guard case .dict(let dict) = info else { return }
        for (key, value) in dict.entries {
            if case .string("little_endian") = key, case .bool(false) = value {
                throw KoBERTError("\(file.name): big-endian checkpoints are not supported")
            }
        }
    }

    private static func storageTypes(_ root: PickleValue, file: FileBytes) throws -> [String: ElementType] {
        var types: [String: ElementType] = [:]
        var pending: [PickleValue] = [root]
        var visited = 0
        while let value = pending.popLast() {
            visited += 1
            guard visited < 10_000_000 else { throw KoBERTError("\(file.name): state dict too large") }
            switch value {
            case .tensor(let ref):
                if let known = types[ref.storage.key], known != ref.storage.type {
                    throw KoBERTError("\(file.name): storage \(ref.storage.key) is used with two element types")
                }
                types[ref.storage.key] = ref.storage.type
            case .dict(let dict):
                for entry in dict.entries { pending.append(entry.value) }
            default:
                break
            }
        }
        return types
    }
}
