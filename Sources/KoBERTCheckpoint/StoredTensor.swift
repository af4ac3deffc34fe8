import KoBERTCore

/// Where a tensor's elements live in a file: a storage (a byte range holding `storageCount`
/// elements of one type) and a strided view into it, as torch describes tensors. safetensors
/// tensors are the contiguous special case.
struct StoredTensor {
    var name: String
    var type: ElementType
    var shape: [Int]
    var strides: [Int]           // in elements
    var elementOffset: Int       // in elements, from the storage start
    var storageByteOffset: Int   // in the file
    var storageCount: Int        // elements in the storage

    static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in shape.indices.reversed() {
            strides[axis] = running
            running = running &* max(shape[axis], 1)
        }
        return strides
    }

    /// Checks the view against its storage and the storage against the file, then decodes to a
    /// contiguous fp32 tensor. Every error names the file and the tensor.
    func materialize(from file: FileBytes) throws -> Tensor {
        func fail(_ detail: String) -> KoBERTError { KoBERTError("\(file.name): tensor \(name): \(detail)") }
        guard shape.count == strides.count else { throw fail("shape \(shape) and strides \(strides) differ in rank") }
        guard shape.count <= 8 else { throw fail("rank \(shape.count) is not supported") }
        guard elementOffset >= 0, elementOffset <= 1 << 40 else { throw fail("storage offset \(elementOffset) out of range") }
        let what = "\(file.name): tensor \(name)"
        let count = try CheckedSize.elementCount(shape, limit: 1 << 34, what)
        var lastElement = elementOffset
        for (size, stride) in zip(shape, strides) {
            guard stride >= 0 else { throw fail("negative stride in \(strides)") }
            if size > 0 {
                let reach = try CheckedSize.product(size - 1, stride, "\(what): stride")
                guard reach <= 1 << 40 else { throw fail("stride \(stride) is too large") }
                lastElement = try CheckedSize.sum(lastElement, reach, what)
            }
        }
        // Stride-0 views may repeat elements, but never blow a storage up without bound.
        guard count <= max(storageCount, 1) &* 16 else {
            throw fail("view of \(count) elements over a storage of \(storageCount)")
        }
        if count > 0 {
            guard lastElement < storageCount else {
                throw fail("view (offset \(elementOffset), shape \(shape), strides \(strides)) runs past its storage of \(storageCount) elements")
            }
        }
        let storageBytes = try CheckedSize.product(storageCount, type.byteSize, "\(what): storage")
        guard storageByteOffset >= 0, storageByteOffset <= file.count, storageBytes <= file.count - storageByteOffset else {
            throw file.truncated("tensor \(name) needs \(storageCount) elements at byte \(storageByteOffset)")
        }
        var values = [Float](repeating: 0, count: count)
        guard count > 0 else { return Tensor(shape: shape, data: values) }
        file.withBytes(storageByteOffset, storageBytes) { raw in
            values.withUnsafeMutableBufferPointer { out in
                guard let base = out.baseAddress else { return }
                copyStrided(raw, into: base)
            }
        }
        return Tensor(shape: shape, data: values)
    }

    /// Walks the view row by row along its last axis (the common contiguous case is one row).
    private func copyStrided(_ raw: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<Float>) {
        if strides == StoredTensor.contiguousStrides(shape) {
            let total = shape.reduce(1, *)
            FloatDecoding.decode(raw, type: type, first: elementOffset, stride: 1, count: total, into: out)
            return
        }
        let rank = shape.count
        if rank == 0 {
            FloatDecoding.decode(raw, type: type, first: elementOffset, stride: 1, count: 1, into: out)
            return
        }
        let rowLength = shape[rank - 1]
        let rowStride = strides[rank - 1]
        let rows = shape.dropLast().reduce(1, *)
        var index = [Int](repeating: 0, count: rank - 1)
        for row in 0..<rows {
            var first = elementOffset
            for axis in 0..<(rank - 1) { first += index[axis] * strides[axis] }
            FloatDecoding.decode(raw, type: type, first: first, stride: rowStride, count: rowLength,
                                 into: out + row * rowLength)
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
    }
}
