/// The values the safe unpickler can build. Containers remember their nesting depth so hostile
/// input cannot build structures deep enough to exhaust the stack when they are freed or read.
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple(PickleTuple)
    case list(PickleList)
    case dict(PickleDict)
    /// A module-level name that the reader's rules allowed (e.g. `collections.OrderedDict`).
    case global(module: String, name: String)
    /// A torch storage named by a persistent id.
    case storage(TorchStorageRef)
    /// A torch tensor: a strided view into a storage.
    case tensor(TorchTensorRef)

    static let maximumDepth = 64

    var depth: Int {
        switch self {
        case .tuple(let tuple): return tuple.depth
        case .list(let list): return list.depth
        case .dict(let dict): return dict.depth
        default: return 0
        }
    }

    var kind: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .global(let module, let name): return "\(module).\(name)"
        case .storage: return "storage"
        case .tensor: return "tensor"
        }
    }
}

final class PickleTuple {
    let items: [PickleValue]
    let depth: Int
    init(_ items: [PickleValue]) {
        self.items = items
        depth = 1 + (items.map(\.depth).max() ?? 0)
    }
}

final class PickleList {
    private(set) var items: [PickleValue] = []
    private(set) var depth = 1
    func append(_ value: PickleValue) {
        items.append(value)
        depth = max(depth, value.depth + 1)
    }
}

/// An insertion-ordered dict (state dicts are OrderedDicts; order is kept for error messages).
final class PickleDict {
    private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    private(set) var depth = 1
    func set(_ key: PickleValue, _ value: PickleValue) {
        entries.append((key, value))
        depth = max(depth, key.depth + 1, value.depth + 1)
    }
}
