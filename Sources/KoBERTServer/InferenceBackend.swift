import KoBERTProtocol

/// One unit of work inside a micro-batch: a text (nsmc, ner, embed) or a question/context pair (qa).
public enum InferenceItem: Sendable, Equatable {
    case text(String, pooling: Pooling)
    case question(String, context: String)
}

/// Per-item outcome: a JSON-able prediction or an error for that item alone.
public typealias ItemResult = Result<JSONValue, RPCError>

/// What the daemon needs from a loaded model. `predict` is called on an inference thread with a
/// batch that may mix requests from many connections; results come back in item order.
public protocol InferenceBackend: AnyObject, Sendable {
    /// The task this model serves ("nsmc", "ner", "qa", "embed").
    var task: String { get }
    /// What `info` shows: architecture, labels, file format, checksum… free-form JSON.
    var manifest: JSONValue { get }
    func predict(_ items: [InferenceItem]) -> [ItemResult]
    /// Tokens of one text (pieces, not JSON: the engine counts them against the request's
    /// `max-pieces` before building an answer).
    func tokenize(_ text: String) throws -> [TokenPieceResult]
}

/// Opens a model file or folder for a task. Throws a one-line error on a missing or corrupt file.
public protocol BackendLoader: Sendable {
    func load(task: String, path: String) throws -> any InferenceBackend
}

/// A model file the daemon should serve.
public struct ModelSpec: Sendable, Equatable, CustomStringConvertible {
    public var task: String
    public var path: String
    public init(task: String, path: String) { self.task = task; self.path = path }

    /// Parses `task=PATH` (the `--model` option and the config file's `model =` key).
    public init?(argument: String) {
        guard let eq = argument.firstIndex(of: "=") else { return nil }
        let task = String(argument[..<eq]).trimmingSpaces(), path = String(argument[argument.index(after: eq)...]).trimmingSpaces()
        guard !task.isEmpty, !path.isEmpty else { return nil }
        self.init(task: task, path: path)
    }
    public var description: String { "\(task)=\(path)" }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
