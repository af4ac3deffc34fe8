#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import KoBERTProtocol
import Synchronization

/// An async client for kobertd over its Unix socket. Plain POSIX sockets and one reader thread:
/// calls may be issued concurrently (they are pipelined on the one connection) and each
/// awaits its own response by id.
public final class KoBERTClient: Sendable {
    public let socketPath: String
    private let fd: Int32
    /// Held while one frame is written, so pipelined calls' frames do not interleave.
    private let writeLock = Mutex(())
    /// Continuations are resumed outside this lock.
    private let state = Mutex(State())

    private struct State {
        var pending: [Int64: CheckedContinuation<JSONValue, Error>] = [:]
        var nextID: Int64 = 1
        var closedError: ClientError?
        var lastUnaddressedError: RPCError?
    }

    public enum ClientError: Error, CustomStringConvertible, Equatable {
        case connect(path: String, reason: String)
        case closed(String)
        case badResponse(String)
        public var description: String {
            switch self {
            case .connect(let path, let reason): return "cannot connect to kobertd at \(path): \(reason)"
            case .closed(let why): return "kobertd connection closed: \(why)"
            case .badResponse(let why): return "bad response from kobertd: \(why)"
            }
        }
    }

    /// `$RUNTIME_DIRECTORY`/`$XDG_RUNTIME_DIR`/`./` + kobertd.sock, the daemon's own default;
    /// /run/kobertd/kobertd.sock when that exists (the systemd install).
    public static func defaultSocketPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let dir = environment["RUNTIME_DIRECTORY"]?.split(separator: ":").first { return "\(dir)/kobertd.sock" }
        if FileManager.default.fileExists(atPath: "/run/kobertd/kobertd.sock") { return "/run/kobertd/kobertd.sock" }
        if let dir = environment["XDG_RUNTIME_DIR"], !dir.isEmpty { return "\(dir)/kobertd.sock" }
        return "./kobertd.sock"
    }

    /// The longest response timeout accepted: one day.
    public static let maxTimeoutSeconds: Double = 86_400

    /// nil when `seconds` is a usable response timeout (finite, > 0, at most a day), else the problem.
    public static func timeoutProblem(_ seconds: Double) -> String? {
        guard seconds.isFinite, seconds > 0, seconds <= maxTimeoutSeconds else {
            return "--timeout \(seconds): must be a finite number of seconds > 0 and ≤ \(Int(maxTimeoutSeconds))"
        }
        return nil
    }

    /// `responseTimeoutSeconds`: when set, a connection on which calls wait and no byte arrives
    /// for this long is closed and the waiting calls fail (a wedged daemon cannot hang a client).
    public init(socketPath: String, responseTimeoutSeconds: Double? = nil) throws {
        self.socketPath = socketPath
        #if os(Linux)
        let s = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let s = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard s >= 0 else { throw ClientError.connect(path: socketPath, reason: String(cString: strerror(errno))) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(socketPath.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
            Glibc.close(s); throw ClientError.connect(path: socketPath, reason: "path too long")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(s); throw ClientError.connect(path: socketPath, reason: reason)
        }
        if let timeout = responseTimeoutSeconds, timeout.isFinite, timeout > 0 {
            // Clamped: a huge value would trap converting to Int; at least 1 ms (0 would mean "never").
            let t = min(max(timeout, 0.001), Self.maxTimeoutSeconds)
            var tv = timeval(tv_sec: Int(t), tv_usec: Int((t - t.rounded(.down)) * 1e6))
            setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        }
        fd = s
        let reader = Thread { [self] in readLoop() }
        reader.name = "kobert-client-reader"
        reader.start()
    }

    /// Closes the connection; calls still waiting fail with `closed`. The reader thread holds the
    /// client until then, so call it when done.
    public func close() { shutdown(fd, Int32(SHUT_RDWR)) }

    /// The descriptor lives as long as the client (the reader thread holds it until it ends), so
    /// `close` and `send` never touch a number the process has since reused for another file.
    deinit { Glibc.close(fd) }

    // MARK: Calls

    /// Sends a request and waits for its response; throws the server's `RPCError` on an error response.
    public func call(_ method: String, params: JSONValue? = nil) async throws -> JSONValue {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<JSONValue, Error>) in
            let registered = state.withLock { state -> Result<Int64, ClientError> in
                if let closedError = state.closedError { return .failure(closedError) }
                let id = state.nextID
                state.nextID += 1
                state.pending[id] = c
                return .success(id)
            }
            switch registered {
            case .failure(let closedError):
                c.resume(throwing: closedError)
            case .success(let id):
                let body = RPCRequest(id: .int(id), method: method, params: params).json.serialized()
                if let error = send(Frame.encode(body)) { failAfterWrite(id: id, error: error, bytes: body.count) }
            }
        }
    }

    /// Sends a notification (no id, so no response).
    public func notify(_ method: String, params: JSONValue? = nil) throws {
        if let error = send(Frame.encode(RPCRequest(id: nil, method: method, params: params).json.serialized())) { throw error }
    }

    /// Sends raw bytes (tests of malformed input use this).
    public func sendRaw(_ bytes: [UInt8]) throws { if let error = send(bytes) { throw error } }

    public func nsmc(_ texts: [String]) async throws -> [SentimentPrediction] {
        try await call("nsmc", params: TextsParams(texts: texts).json)["predictions"].decoded([SentimentPrediction].self)
    }

    public func ner(_ texts: [String]) async throws -> [NERPrediction] {
        try await call("ner", params: TextsParams(texts: texts).json)["predictions"].decoded([NERPrediction].self)
    }

    public func qa(question: String, context: String) async throws -> QAAnswer {
        try await call("qa", params: QAParams(question: question, context: context).json).decoded(QAAnswer.self)
    }

    public func embed(_ texts: [String], pooling: Pooling = .cls) async throws -> [[Double]] {
        try await call("embed", params: TextsParams(texts: texts, pooling: pooling).json)["embeddings"].decoded([[Double]].self)
    }

    public func tokenize(_ texts: [String], model: String? = nil) async throws -> [[TokenPieceResult]] {
        try await call("tokenize", params: TextsParams(texts: texts, model: model).json)["tokens"].decoded([[TokenPieceResult]].self)
    }

    public func health() async throws -> JSONValue { try await call("health") }
    public func info() async throws -> JSONValue { try await call("info") }
    public func stats() async throws -> JSONValue { try await call("stats") }

    // MARK: I/O

    private func send(_ bytes: [UInt8]) -> ClientError? {
        writeLock.withLock { _ in write(bytes) }
    }

    private func write(_ bytes: [UInt8]) -> ClientError? {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                return .closed(String(cString: strerror(errno)))
            }
            offset += n
        }
        return nil
    }

    private func readLoop() {
        var splitter = FrameSplitter()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var reason = "the daemon closed the connection"
        reading: while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                let waiting = state.withLock { !$0.pending.isEmpty }
                if waiting { reason = "no answer within the response timeout"; break }
                continue
            }
            if n < 0 { reason = String(cString: strerror(errno)); break }
            if n == 0 { break }
            splitter.append(chunk[0..<n])
            do {
                while let body = try splitter.next() { deliver(body) }
            } catch {
                reason = "\(error)"; break reading
            }
        }
        let (error, waiting, tooLarge) = state.withLock { [reason] state in
            var reason = reason
            if let last = state.lastUnaddressedError { reason += " (last error: \(last.message))" }
            let error = ClientError.closed(reason)
            state.closedError = error
            defer { state.pending = [:] }
            // A request over the daemon's frame limit: the waiting calls get the daemon's own answer
            // (-32003, naming the limit) rather than a bare "connection closed".
            let tooLarge = state.lastUnaddressedError.flatMap { $0.code == RPCErrorCode.inputTooLarge.rawValue ? $0 : nil }
            return (error, state.pending, tooLarge)
        }
        for (_, c) in waiting { c.resume(throwing: tooLarge.map { RPCError(code: $0.code, message: $0.message + " (max-frame-bytes)", data: $0.data) } ?? error) }
    }

    private func deliver(_ body: [UInt8]) {
        guard let json = JSONValue.parse(body), let response = RPCResponse(json: json) else { return }
        guard let id = response.id.intValue else {
            // id null: an error about the connection or an unparsable frame; keep it for the close reason.
            if case .failure(let e) = response.outcome { state.withLock { $0.lastUnaddressedError = e } }
            return
        }
        let c = state.withLock { $0.pending.removeValue(forKey: id) }
        switch response.outcome {
        case .success(let v): c?.resume(returning: v)
        case .failure(let e): c?.resume(throwing: e)
        }
    }

    /// A write failed (the daemon closed, e.g. on a frame over its limit): give the reader a moment
    /// to see the error frame the daemon sent before closing (it then fails this call with that
    /// message); failing that, name the likely cause.
    private func failAfterWrite(id: Int64, error: ClientError, bytes: Int) {
        var error = error
        if case .closed(let why) = error {
            error = .closed("\(why) while sending a \(bytes)-byte request; the daemon may have refused it as over "
                            + "its frame limit (max-frame-bytes, see `kobert info`)")
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + 2) { [self, error] in fail(id: id, error: error) }
    }

    private func fail(id: Int64, error: Error) {
        let c = state.withLock { $0.pending.removeValue(forKey: id) }
        c?.resume(throwing: error)
    }
}

extension Optional where Wrapped == JSONValue {
    func decoded<T: Decodable>(_ type: T.Type) throws -> T {
        guard let self else { throw KoBERTClient.ClientError.badResponse("missing field in result") }
        return try self.decode(as: T.self)
    }
}

extension JSONValue {
    func decoded<T: Decodable>(_ type: T.Type) throws -> T { try decode(as: T.self) }
}
