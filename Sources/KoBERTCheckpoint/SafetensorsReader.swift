import Foundation
import KoBERTCore

/// `model.safetensors`: an 8-byte little-endian header length, a JSON header mapping each
/// tensor to its dtype, shape and byte range, then the packed data.
enum SafetensorsReader {
    static let maximumHeaderBytes = 100 << 20

    static func list(_ file: FileBytes) throws -> WeightListing {
        var reader = ByteReader(file)
        guard file.count >= 8 else { throw file.truncated("shorter than the 8-byte safetensors header length") }
        let declared = try reader.u64()
        guard declared <= UInt64(maximumHeaderBytes) else {
            throw KoBERTError("\(file.name): safetensors header length \(declared) is implausible")
        }
        let headerLength = try CheckedSize.int(declared, "\(file.name): safetensors header length")
        guard headerLength <= reader.remaining else {
            throw file.truncated("safetensors header of \(headerLength) bytes, but only \(reader.remaining) follow")
        }
        let headerBytes = try reader.slice(headerLength)
        let dataStart = 8 + headerLength
        let dataLength = file.count - dataStart

        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(headerBytes))
        } catch {
            throw KoBERTError("\(file.name): safetensors header is not valid JSON")
        }
        guard let header = object as? [String: Any] else {
            throw KoBERTError("\(file.name): safetensors header is not a JSON object")
        }

        var entries: [(begin: Int, tensor: StoredTensor)] = []
        for (name, value) in header where name != "__metadata__" {
            func fail(_ detail: String) -> KoBERTError { KoBERTError("\(file.name): tensor \(name): \(detail)") }
            guard let entry = value as? [String: Any],
                  let dtypeName = entry["dtype"] as? String,
                  let shape = intArray(entry["shape"]),
                  let offsets = intArray(entry["data_offsets"]), offsets.count == 2 else {
                throw fail("header entry needs dtype, shape and two data_offsets")
            }
            guard let type = ElementType(safetensors: dtypeName) else { throw fail("unsupported dtype \(dtypeName)") }
            let begin = offsets[0], end = offsets[1]
            guard begin >= 0, begin <= end, end <= dataLength else {
                throw fail("data_offsets [\(begin), \(end)] lie outside the \(dataLength) data bytes")
            }
            // The byte count is checked before it is printed: [2^31, 2^31] of F32 overflows Int.
            let bytes = try CheckedSize.byteCount(shape, elementSize: type.byteSize, limit: dataLength,
                                                  "\(file.name): tensor \(name)")
            let count = bytes / type.byteSize
            guard bytes == end - begin else {
                throw fail("shape \(shape) of \(dtypeName) needs \(bytes) bytes, data_offsets give \(end - begin)")
            }
            let tensor = StoredTensor(name: name, type: type, shape: shape,
                                      strides: StoredTensor.contiguousStrides(shape), elementOffset: 0,
                                      storageByteOffset: dataStart + begin, storageCount: count)
            entries.append((begin, tensor))
        }
        var listing = WeightListing(file: file)
        for entry in entries.sorted(by: { ($0.begin, $0.tensor.name) < ($1.begin, $1.tensor.name) }) {
            listing.add(entry.tensor)
        }
        return listing
    }

    /// JSON numbers as Ints, refusing fractions and anything out of range.
    private static func intArray(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var result: [Int] = []
        for item in array {
            guard let number = item as? NSNumber else { return nil }
            let double = number.doubleValue
            guard double == double.rounded(), abs(double) < 9e15 else { return nil }
            result.append(number.intValue)
        }
        return result
    }
}
