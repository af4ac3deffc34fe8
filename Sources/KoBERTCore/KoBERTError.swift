/// Every failure a user can cause: one line that names the file and, where it applies, the tensor.
public struct KoBERTError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
