import KoBERTCore

/// What a reader allows the pickle to name and build. The unpickler itself knows no globals:
/// every GLOBAL, REDUCE, BUILD and persistent id goes through these rules, which construct
/// plain values and never execute anything.
protocol PickleRules {
    func global(module: String, name: String) throws -> PickleValue
    func reduce(_ callable: PickleValue, _ arguments: [PickleValue]) throws -> PickleValue
    func build(_ object: PickleValue, state: PickleValue) throws -> PickleValue
    func persistentLoad(_ id: PickleValue) throws -> PickleValue
}

/// A small unpickler for protocols 2–5, limited to the opcodes a torch state dict uses.
/// Iterative (no recursion), bounded by the input's length, and strict about stack shapes.
struct Unpickler {
    private var reader: ByteReader
    private let rules: PickleRules
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    private var fileName: String { reader.bytes.name }

    static let maximumStack = 10_000_000

    init(reader: ByteReader, rules: PickleRules) {
        self.reader = reader
        self.rules = rules
    }

    /// Reads one pickle up to its STOP and returns the value and the position after it.
    static func load(_ reader: ByteReader, rules: PickleRules) throws -> (value: PickleValue, end: Int) {
        var unpickler = Unpickler(reader: reader, rules: rules)
        let value = try unpickler.run()
        return (value, unpickler.reader.position)
    }

    private func fail(_ detail: String, at offset: Int) -> KoBERTError {
        KoBERTError("\(fileName): pickle at byte \(offset): \(detail)")
    }

    private mutating func pop(_ offset: Int) throws -> PickleValue {
        guard let value = stack.popLast() else { throw fail("stack underflow", at: offset) }
        if let mark = marks.last, stack.count < mark { throw fail("stack underflow past a MARK", at: offset) }
        return value
    }

    private mutating func popToMark(_ offset: Int) throws -> [PickleValue] {
        guard let mark = marks.popLast(), mark <= stack.count else { throw fail("no MARK on the stack", at: offset) }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private mutating func push(_ value: PickleValue, _ offset: Int) throws {
        guard stack.count < Self.maximumStack else { throw fail("stack too large", at: offset) }
        guard value.depth <= PickleValue.maximumDepth else { throw fail("values nested too deeply", at: offset) }
        stack.append(value)
    }

    private mutating func text(_ count: Int, _ offset: Int) throws -> String {
        let bytes = try reader.slice(count)
        guard let string = String(validating: bytes, as: UTF8.self) else { throw fail("string is not valid UTF-8", at: offset) }
        return string
    }

    private mutating func length(_ value: UInt64, _ offset: Int) throws -> Int {
        guard value <= UInt64(reader.remaining) else {
            throw reader.bytes.truncated("pickle at byte \(offset) declares \(value) bytes, \(reader.remaining) remain")
        }
        return Int(value)
    }

    private mutating func tuple(_ items: [PickleValue], _ offset: Int) throws {
        try push(.tuple(PickleTuple(items)), offset)
    }

    private mutating func run() throws -> PickleValue {
        while true {
            let offset = reader.position
            let opcode = try reader.u8()
            switch opcode {
            case 0x80: // PROTO
                let version = try reader.u8()
                guard version <= 5 else { throw fail("pickle protocol \(version) is not supported", at: offset) }
            case 0x95: // FRAME: a length hint only
                _ = try reader.u64()
            case 0x2E: // STOP
                guard marks.isEmpty, stack.count == 1, let result = stack.first else {
                    throw fail("STOP with \(stack.count) values and \(marks.count) open MARKs", at: offset)
                }
                return result
            case 0x28: // MARK
                marks.append(stack.count)
            case 0x30: // POP
                _ = try pop(offset)
            case 0x31: // POP_MARK
                _ = try popToMark(offset)
            case 0x32: // DUP
                guard let top = stack.last else { throw fail("DUP on an empty stack", at: offset) }
                try push(top, offset)
            case 0x4E: try push(.none, offset)                    // NONE
            case 0x88: try push(.bool(true), offset)              // NEWTRUE
            case 0x89: try push(.bool(false), offset)             // NEWFALSE
            case 0x4B: try push(.int(Int(try reader.u8())), offset)          // BININT1
            case 0x4D: try push(.int(Int(try reader.u16())), offset)         // BININT2
            case 0x4A: try push(.int(Int(Int32(bitPattern: try reader.u32()))), offset)  // BININT
            case 0x8A: // LONG1: little-endian two's complement of n bytes
                let count = Int(try reader.u8())
                let bytes = try reader.slice(count)
                try push(.int(try Self.signedInteger(bytes, fail: { self.fail($0, at: offset) })), offset)
            case 0x47: // BINFLOAT: big-endian double
                let bits = try reader.u64().byteSwapped
                try push(.float(Double(bitPattern: bits)), offset)
            case 0x58: try push(.string(try text(try length(UInt64(try reader.u32()), offset), offset)), offset)  // BINUNICODE
            case 0x8C: try push(.string(try text(Int(try reader.u8()), offset)), offset)                         // SHORT_BINUNICODE
            case 0x8D: try push(.string(try text(try length(try reader.u64(), offset), offset)), offset)          // BINUNICODE8
            case 0x54: try push(.string(try text(try length(UInt64(try reader.u32()), offset), offset)), offset)  // BINSTRING (py2)
            case 0x55: try push(.string(try text(Int(try reader.u8()), offset)), offset)                         // SHORT_BINSTRING (py2)
            case 0x42: try push(.bytes(try reader.slice(try length(UInt64(try reader.u32()), offset))), offset)   // BINBYTES
            case 0x43: try push(.bytes(try reader.slice(Int(try reader.u8()))), offset)                          // SHORT_BINBYTES
            case 0x8E: try push(.bytes(try reader.slice(try length(try reader.u64(), offset))), offset)           // BINBYTES8
            case 0x29: try tuple([], offset)                                   // EMPTY_TUPLE
            case 0x74: try tuple(try popToMark(offset), offset)                // TUPLE
            case 0x85: try tuple([try pop(offset)], offset)                    // TUPLE1
            case 0x86: // TUPLE2
                let b = try pop(offset), a = try pop(offset)
                try tuple([a, b], offset)
            case 0x87: // TUPLE3
                let c = try pop(offset), b = try pop(offset), a = try pop(offset)
                try tuple([a, b, c], offset)
            case 0x5D: try push(.list(PickleList()), offset)                   // EMPTY_LIST
            case 0x6C: // LIST
                let list = PickleList()
                for item in try popToMark(offset) { list.append(item) }
                try push(.list(list), offset)
            case 0x61: // APPEND
                let item = try pop(offset)
                guard case .list(let list)? = stack.last else { throw fail("APPEND to a non-list", at: offset) }
                list.append(item)
                guard list.depth <= PickleValue.maximumDepth else { throw fail("values nested too deeply", at: offset) }
            case 0x65: // APPENDS
                let items = try popToMark(offset)
                guard case .list(let list)? = stack.last else { throw fail("APPENDS to a non-list", at: offset) }
                for item in items { list.append(item) }
                guard list.depth <= PickleValue.maximumDepth else { throw fail("values nested too deeply", at: offset) }
            case 0x7D: try push(.dict(PickleDict()), offset)                   // EMPTY_DICT
            case 0x64: // DICT
                let items = try popToMark(offset)
                guard items.count % 2 == 0 else { throw fail("DICT with an odd number of items", at: offset) }
                let dict = PickleDict()
                for index in stride(from: 0, to: items.count, by: 2) { dict.set(items[index], items[index + 1]) }
                try push(.dict(dict), offset)
            case 0x73: // SETITEM
                let value = try pop(offset), key = try pop(offset)
                guard case .dict(let dict)? = stack.last else { throw fail("SETITEM on a non-dict", at: offset) }
                dict.set(key, value)
                guard dict.depth <= PickleValue.maximumDepth else { throw fail("values nested too deeply", at: offset) }
            case 0x75: // SETITEMS
                let items = try popToMark(offset)
                guard items.count % 2 == 0 else { throw fail("SETITEMS with an odd number of items", at: offset) }
                guard case .dict(let dict)? = stack.last else { throw fail("SETITEMS on a non-dict", at: offset) }
                for index in stride(from: 0, to: items.count, by: 2) { dict.set(items[index], items[index + 1]) }
                guard dict.depth <= PickleValue.maximumDepth else { throw fail("values nested too deeply", at: offset) }
            case 0x71: try memoize(Int(try reader.u8()), offset)               // BINPUT
            case 0x72: try memoize(Int(try reader.u32()), offset)              // LONG_BINPUT
            case 0x94: try memoize(memo.count, offset)                         // MEMOIZE
            case 0x68: try recall(Int(try reader.u8()), offset)                // BINGET
            case 0x6A: try recall(Int(try reader.u32()), offset)               // LONG_BINGET
            case 0x63: // GLOBAL: "module\nname\n"
                let module = String(decoding: try reader.line(), as: UTF8.self)
                let name = String(decoding: try reader.line(), as: UTF8.self)
                try push(try rules.global(module: module, name: name), offset)
            case 0x93: // STACK_GLOBAL
                let nameValue = try pop(offset), moduleValue = try pop(offset)
                guard case .string(let module) = moduleValue, case .string(let name) = nameValue else {
                    throw fail("STACK_GLOBAL needs two strings", at: offset)
                }
                try push(try rules.global(module: module, name: name), offset)
            case 0x52: // REDUCE
                let arguments = try pop(offset), callable = try pop(offset)
                guard case .tuple(let tuple) = arguments else { throw fail("REDUCE arguments are not a tuple", at: offset) }
                try push(try rules.reduce(callable, tuple.items), offset)
            case 0x62: // BUILD
                let state = try pop(offset), object = try pop(offset)
                try push(try rules.build(object, state: state), offset)
            case 0x51: // BINPERSID
                try push(try rules.persistentLoad(try pop(offset)), offset)
            default:
                throw fail(String(format: "unsupported pickle opcode 0x%02X", opcode), at: offset)
            }
        }
    }

    private mutating func memoize(_ index: Int, _ offset: Int) throws {
        guard let top = stack.last else { throw fail("memo PUT on an empty stack", at: offset) }
        guard memo.count < Self.maximumStack else { throw fail("memo too large", at: offset) }
        memo[index] = top
    }

    private mutating func recall(_ index: Int, _ offset: Int) throws {
        guard let value = memo[index] else { throw fail("memo GET of unknown index \(index)", at: offset) }
        try push(value, offset)
    }

    static func signedInteger(_ bytes: [UInt8], fail: (String) -> KoBERTError) throws -> Int {
        guard !bytes.isEmpty else { return 0 }
        // Values wider than 64 bits only occur in the legacy magic number; compare those as bytes.
        guard bytes.count <= 8 else { throw fail("integer of \(bytes.count) bytes is too large") }
        var value: UInt64 = 0
        for (index, byte) in bytes.enumerated() { value |= UInt64(byte) << (8 * UInt64(index)) }
        if bytes.count < 8, bytes[bytes.count - 1] & 0x80 != 0 {
            value |= ~UInt64(0) << (8 * UInt64(bytes.count))  // sign-extend
        }
        return Int(bitPattern: UInt(value))
    }
}
