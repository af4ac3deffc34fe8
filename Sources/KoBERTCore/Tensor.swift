/// A dense fp32 tensor in row-major order. The float path's unit of exchange between
/// checkpoint readers and the encoder; int8 weights live in KoBERTKernels' own types.
public struct Tensor: Sendable, Equatable {
    public var shape: [Int]
    public var data: [Float]

    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "shape \(shape) does not match \(data.count) values")
        self.shape = shape
        self.data = data
    }

    public var count: Int { data.count }
}
