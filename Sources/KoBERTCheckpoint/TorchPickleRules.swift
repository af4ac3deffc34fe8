import KoBERTCore

/// A storage as a persistent id names it: `('storage', torch.FloatStorage, key, location, numel)`
/// (legacy files add a sixth item, an optional view `(view_key, offset, size)`).
struct TorchStorageRef {
    let key: String
    let type: ElementType
    let count: Int
    /// Legacy storage views: elements to skip from the start of the stored storage.
    let viewOffset: Int
}

/// `_rebuild_tensor_v2(storage, offset, size, stride, …)`.
struct TorchTensorRef {
    let storage: TorchStorageRef
    let offset: Int
    let shape: [Int]
    let strides: [Int]
}

/// The globals and constructions a state dict needs, and nothing else. A global outside the
/// allow-list is refused on sight, before anything could be called.
struct TorchPickleRules: PickleRules {
    let fileName: String

    static let storageTypes: Set<String> = [
        "FloatStorage", "HalfStorage", "BFloat16Storage", "DoubleStorage", "LongStorage",
        "IntStorage", "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage",
    ]
    static let allowed: Set<String> = [
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_parameter",
    ]

    private func fail(_ detail: String) -> KoBERTError { KoBERTError("\(fileName): \(detail)") }

    func global(module: String, name: String) throws -> PickleValue {
        let qualified = "\(module).\(name)"
        if Self.allowed.contains(qualified) || (module == "torch" && Self.storageTypes.contains(name)) {
            return .global(module: module, name: name)
        }
        throw KoBERTError("refusing global \(qualified) in \(fileName)")
    }

    func reduce(_ callable: PickleValue, _ arguments: [PickleValue]) throws -> PickleValue {
        guard case .global(let module, let name) = callable else {
            throw fail("pickle calls a \(callable.kind), only allowed globals may be called")
        }
        switch "\(module).\(name)" {
        case "collections.OrderedDict":
            let dict = PickleDict()
            if let first = arguments.first {  // OrderedDict(iterable_of_pairs)
                guard arguments.count == 1, case .list(let pairs) = first else { throw fail("unexpected OrderedDict arguments") }
                for pair in pairs.items {
                    guard case .tuple(let kv) = pair, kv.items.count == 2 else { throw fail("unexpected OrderedDict item") }
                    dict.set(kv.items[0], kv.items[1])
                }
            }
            return .dict(dict)
        case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor":
            guard arguments.count >= 4, case .storage(let storage) = arguments[0],
                  case .int(let offset) = arguments[1],
                  let shape = Self.ints(arguments[2]), let strides = Self.ints(arguments[3]) else {
                throw fail("unexpected arguments to \(module).\(name)")
            }
            return .tensor(TorchTensorRef(storage: storage, offset: offset, shape: shape, strides: strides))
        case "torch._utils._rebuild_parameter":
            guard let data = arguments.first, case .tensor = data else { throw fail("unexpected arguments to _rebuild_parameter") }
            return data
        default:
            throw KoBERTError("refusing to call \(module).\(name) in \(fileName)")
        }
    }

    func build(_ object: PickleValue, state: PickleValue) throws -> PickleValue {
        switch object {
        case .dict, .tensor:
            return object  // a state dict's `_metadata` or a tensor's attributes: not needed
        default:
            throw fail("pickle BUILD on a \(object.kind) is not supported")
        }
    }

    func persistentLoad(_ id: PickleValue) throws -> PickleValue {
        guard case .tuple(let tuple) = id, tuple.items.count >= 5,
              case .string(let tag) = tuple.items[0] else {
            throw fail("unexpected persistent id (\(id.kind))")
        }
        guard tag == "storage" else { throw fail("unsupported persistent id '\(tag)' (only storages are read)") }
        let items = tuple.items
        guard case .global(let module, let typeName) = items[1], module == "torch",
              let type = ElementType(torchStorage: typeName) else {
            throw fail("unsupported storage type \(items[1].kind)")
        }
        let key: String
        switch items[2] {
        case .string(let text): key = text
        case .int(let number): key = String(number)
        default: throw fail("unexpected storage key (\(items[2].kind))")
        }
        guard case .int(let count) = items[4], count >= 0 else { throw fail("unexpected size of storage \(key)") }
        var viewOffset = 0
        if items.count >= 6, case .tuple(let view) = items[5] {
            // Pre-1.0 storage views: (view_key, offset, view_size) into the storage `key`.
            guard view.items.count == 3, case .int(let offset) = view.items[1], case .int(let size) = view.items[2],
                  offset >= 0, size >= 0 else {
                throw fail("unexpected storage view of \(key)")
            }
            viewOffset = offset
            return .storage(TorchStorageRef(key: key, type: type, count: size, viewOffset: viewOffset))
        }
        return .storage(TorchStorageRef(key: key, type: type, count: count, viewOffset: viewOffset))
    }

    private static func ints(_ value: PickleValue) -> [Int]? {
        guard case .tuple(let tuple) = value else { return nil }
        var result: [Int] = []
        for item in tuple.items {
            guard case .int(let number) = item else { return nil }
            result.append(number)
        }
        return result
    }
}
