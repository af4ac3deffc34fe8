/// A JSON-RPC 2.0 error object: `{"code", "message", "data"?}`.
public struct RPCError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var data: JSONValue?

    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code; self.message = message; self.data = data
    }
    public init(_ code: RPCErrorCode, _ message: String, data: JSONValue? = nil) {
        self.init(code: code.rawValue, message: message, data: data)
    }

    public var description: String { "error \(code): \(message)" }

    public var json: JSONValue {
        var o: [String: JSONValue] = ["code": .int(Int64(code)), "message": .string(message)]
        if let data { o["data"] = data }
        return .object(o)
    }

    public init?(json: JSONValue) {
        guard let code = json["code"]?.intValue, let message = json["message"]?.stringValue else { return nil }
        self.init(code: Int(code), message: message, data: json["data"])
    }
}

/// The codes kobertd answers with. The -32000…-32099 range is reserved by JSON-RPC for servers.
public enum RPCErrorCode: Int, Sendable, CaseIterable {
    case parseError = -32700          // not JSON (or not UTF-8)
    case invalidRequest = -32600      // JSON, but not a request object; also an empty frame
    case methodNotFound = -32601
    case invalidParams = -32602
    case internalError = -32603
    case modelNotLoaded = -32001      // no model serves this task
    case overloaded = -32002          // queue full, too many connections or in-flight requests
    case inputTooLarge = -32003       // frame over the limit (connection closed) or too many texts
    case shuttingDown = -32004        // the daemon is draining and takes no new work
    case forbidden = -32005           // peer uid/gid not in the allow-list (connection closed)
    case inferenceFailed = -32006     // the model raised an error on this input
}
