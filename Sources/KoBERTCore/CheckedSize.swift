/// Overflow-checked arithmetic for every count, offset and byte size a reader takes from a file.
/// A hostile number becomes a one-line `KoBERTError` naming `what` (the file, the tensor) instead
/// of a trap. All operands must be ≥ 0: a negative size is as wrong as an overflowing one.
public enum CheckedSize {
    /// A 64-bit unsigned field as an Int.
    public static func int(_ value: UInt64, _ what: @autoclosure () -> String) throws -> Int {
        guard value <= UInt64(Int.max) else { throw KoBERTError("\(what()): \(value) is too large") }
        return Int(value)
    }

    public static func sum(_ a: Int, _ b: Int, _ what: @autoclosure () -> String) throws -> Int {
        guard a >= 0, b >= 0 else { throw KoBERTError("\(what()): negative size (\(a) + \(b))") }
        let (total, overflow) = a.addingReportingOverflow(b)
        guard !overflow else { throw KoBERTError("\(what()): \(a) + \(b) overflows") }
        return total
    }

    public static func product(_ a: Int, _ b: Int, _ what: @autoclosure () -> String) throws -> Int {
        guard a >= 0, b >= 0 else { throw KoBERTError("\(what()): negative size (\(a) × \(b))") }
        let (total, overflow) = a.multipliedReportingOverflow(by: b)
        guard !overflow else { throw KoBERTError("\(what()): \(a) × \(b) overflows") }
        return total
    }

    /// The element count of `shape`. Every dimension must be ≥ `minimumDimension` (1 where an
    /// empty tensor is never right) and the count at most `limit`.
    public static func elementCount(_ shape: [Int], minimumDimension: Int = 0, limit: Int = Int.max,
                                    _ what: @autoclosure () -> String) throws -> Int {
        var count = 1
        for size in shape {
            guard size >= minimumDimension else { throw KoBERTError("\(what()): shape \(shape) has a dimension below \(minimumDimension)") }
            let (next, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow, next <= limit else { throw KoBERTError("\(what()): shape \(shape) has more than \(limit) elements") }
            count = next
        }
        return count
    }

    /// The bytes `shape` takes at `elementSize` bytes an element, at most `limit`.
    public static func byteCount(_ shape: [Int], elementSize: Int, minimumDimension: Int = 0, limit: Int = Int.max,
                                 _ what: @autoclosure () -> String) throws -> Int {
        let count = try elementCount(shape, minimumDimension: minimumDimension, limit: limit, what())
        let bytes = try product(count, elementSize, what())
        guard bytes <= limit else { throw KoBERTError("\(what()): shape \(shape) needs more than \(limit) bytes") }
        return bytes
    }
}
