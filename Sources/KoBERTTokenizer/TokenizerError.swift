/// A tokenizer failure a user can cause (bad model file, bad vocab.txt): one line naming the file.
public struct TokenizerError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
