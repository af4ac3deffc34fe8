#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KoBERTProtocol
import KoBERTServer
import Logging
import Synchronization
import XCTest

/// A temporary directory with short paths (socket paths are limited to 103 bytes). Removed when
/// released and, for those XCTest keeps alive until the end (test-case properties), at exit.
final class TempDirectory: Sendable {
    let path: String
    init() {
        var template = Array("/tmp/kbtd-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        TempDirectory.registry.add(path)
    }

    /// Paths still to delete when the test process exits.
    final class Registry: Sendable {
        private let paths = Mutex<Set<String>>([])
        init() { atexit { TempDirectory.registry.removeAll() } }
        func add(_ p: String) { paths.withLock { _ = $0.insert(p) } }
        func removeAll() {
            let all = paths.withLock { paths in defer { paths = [] }; return paths }
            for p in all { try? FileManager.default.removeItem(atPath: p) }
        }
    }
    static let registry = Registry()
    func file(_ name: String) -> String { "\(path)/\(name)" }
    func write(_ name: String, _ text: String) -> String {
        let p = file(name)
        FileManager.default.createFile(atPath: p, contents: Data(text.utf8))
        return p
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Test model files for the deterministic backend.
func writeTestModels(in dir: TempDirectory, version: String = "v1", delayMs: Int = 0) -> [ModelSpec] {
    ["nsmc", "ner", "qa", "embed"].map { task in
        ModelSpec(task: task, path: dir.write("\(task).json", #"{"task": "\#(task)", "version": "\#(version)", "delay_ms": \#(delayMs)}"#))
    }
}

let quietLogger: Logger = {
    var l = Logger(label: "kobertd-test")
    l.logLevel = ProcessInfo.processInfo.environment["KOBERTD_TEST_LOG"] != nil ? .debug : .critical
    return l
}()

/// Starts a server on a fresh socket with the test backend.
func startServer(_ dir: TempDirectory, delayMs: Int = 0, configure: (inout ServerConfiguration) -> Void = { _ in }) async throws -> KoBERTServer {
    let registry = ModelRegistry(specs: writeTestModels(in: dir, delayMs: delayMs), loader: TestBackendLoader())
    try registry.loadAll()
    var config = ServerConfiguration(socketPath: dir.file("k.sock"), engine: .init(threads: 2))
    configure(&config)
    let server = KoBERTServer(configuration: config, registry: registry, logger: quietLogger)
    try await server.start()
    return server
}

/// A blocking socket for sending malformed bytes and reading frames with a timeout. Sendable, so a
/// test may write from one thread while it reads on another.
final class RawConnection: Sendable {
    let fd: Int32
    private let splitter = Mutex(FrameSplitter())

    init(path: String, timeoutSeconds: Int = 5) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { let e = errno; Glibc.close(fd); throw POSIXError(POSIXErrorCode(rawValue: e)!) }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }
    deinit { Glibc.close(fd) }

    func send(_ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, $0.count - off, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            off += n
        }
    }
    func send(json: JSONValue) { send(Frame.encode(json.serialized())) }
    func send(text: String) { send(Frame.encode(Array(text.utf8))) }

    enum ReadOutcome: Equatable { case frame(JSONValue), closed, timeout }

    func read() -> ReadOutcome {
        while true {
            if let body = splitter.withLock({ try? $0.next() }) { return JSONValue.parse(body).map { .frame($0) } ?? .frame(.null) }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return .closed }
            if n < 0 { return errno == EAGAIN || errno == EWOULDBLOCK ? .timeout : .closed }
            splitter.withLock { $0.append(chunk[0..<n]) }
        }
    }

    /// The next frame as a response; fails the test on close/timeout.
    func response(file: StaticString = #filePath, line: UInt = #line) -> RPCResponse? {
        guard case .frame(let json) = read() else { XCTFail("expected a response frame", file: file, line: line); return nil }
        guard let r = RPCResponse(json: json) else { XCTFail("not a response: \(json.jsonString)", file: file, line: line); return nil }
        return r
    }
}

extension RPCResponse {
    var errorCode: Int? { if case .failure(let e) = outcome { return e.code }; return nil }
    var result: JSONValue? { if case .success(let r) = outcome { return r }; return nil }
}

func request(_ id: Int, _ method: String, _ params: JSONValue? = nil) -> JSONValue {
    RPCRequest(id: .int(Int64(id)), method: method, params: params).json
}

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
