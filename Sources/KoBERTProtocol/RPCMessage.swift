/// A parsed JSON-RPC 2.0 request. `id == nil` means a notification (no response is sent);
/// `id == .null` is a request whose response carries `"id": null`.
public struct RPCRequest: Sendable, Equatable {
    public var id: JSONValue?
    public var method: String
    public var params: JSONValue?

    public init(id: JSONValue?, method: String, params: JSONValue? = nil) {
        self.id = id; self.method = method; self.params = params
    }

    public var isNotification: Bool { id == nil }

    public var json: JSONValue {
        var o: [String: JSONValue] = ["jsonrpc": "2.0", "method": .string(method)]
        if let id { o["id"] = id }
        if let params { o["params"] = params }
        return .object(o)
    }

    /// Validates a decoded JSON value as a request. On failure, the error to answer with and
    /// the id to answer to (null when it could not be determined).
    public static func validate(_ value: JSONValue) -> Result<RPCRequest, RequestFailure> {
        guard case .object(let o) = value else {
            let what = value.arrayValue != nil ? "batch requests are not supported (pipeline single requests instead)"
                                               : "a request must be a JSON object, got \(value.typeName)"
            return .failure(RequestFailure(id: .null, error: RPCError(.invalidRequest, what)))
        }
        var id: JSONValue? = nil
        if let raw = o["id"] {
            switch raw {
            case .null, .int, .double, .number, .string: id = raw
            default:
                return .failure(RequestFailure(id: .null, error: RPCError(.invalidRequest, "\"id\" must be a string, number or null")))
            }
        }
        let answerID = id ?? .null
        guard o["jsonrpc"] == .string("2.0") else {
            return .failure(RequestFailure(id: answerID, error: RPCError(.invalidRequest, "\"jsonrpc\" must be \"2.0\"")))
        }
        guard let method = o["method"]?.stringValue else {
            return .failure(RequestFailure(id: answerID, error: RPCError(.invalidRequest, "\"method\" must be a string")))
        }
        if let params = o["params"], params.objectValue == nil, params.arrayValue == nil {
            return .failure(RequestFailure(id: answerID, error: RPCError(.invalidRequest, "\"params\" must be an object or array")))
        }
        return .success(RPCRequest(id: id, method: method, params: o["params"]))
    }

    /// Parses and validates one frame body. Not JSON: -32700. JSON that is ambiguous (a key twice in one
    /// object, where peers disagree on which wins) or nested past `JSONParser.maxDepth`: -32600.
    public static func decode(frameBody bytes: some Collection<UInt8>) -> Result<RPCRequest, RequestFailure> {
        switch JSONParser.parse(bytes) {
        case .success(let json):
            return validate(json)
        case .failure(.malformed(let why)):
            return .failure(RequestFailure(id: .null, error: RPCError(.parseError, "frame body is not valid UTF-8 JSON (\(why))")))
        case .failure(.duplicateKey(let key)):
            return .failure(RequestFailure(id: .null, error: RPCError(.invalidRequest, "duplicate key \"\(key)\" in one object")))
        case .failure(.tooDeep):
            return .failure(RequestFailure(id: .null, error: RPCError(.invalidRequest, "JSON nested deeper than \(JSONParser.maxDepth) levels")))
        }
    }

    public struct RequestFailure: Error, Sendable, Equatable {
        public var id: JSONValue
        public var error: RPCError
    }
}

/// A JSON-RPC 2.0 response: exactly one of result and error.
public struct RPCResponse: Sendable, Equatable {
    public var id: JSONValue
    public var outcome: Result<JSONValue, RPCError>

    public init(id: JSONValue, result: JSONValue) { self.id = id; self.outcome = .success(result) }
    public init(id: JSONValue, error: RPCError) { self.id = id; self.outcome = .failure(error) }

    public var json: JSONValue {
        switch outcome {
        case .success(let r): return ["jsonrpc": "2.0", "id": id, "result": r]
        case .failure(let e): return ["jsonrpc": "2.0", "id": id, "error": e.json]
        }
    }

    /// The frame body to send.
    public func serialized() -> [UInt8] { json.serialized() }

    public init?(json: JSONValue) {
        guard json["jsonrpc"] == .string("2.0"), let id = json["id"] else { return nil }
        if let r = json["result"] { self.init(id: id, result: r) }
        else if let e = json["error"].flatMap(RPCError.init(json:)) { self.init(id: id, error: e) }
        else { return nil }
    }
}
