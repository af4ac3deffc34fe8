#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KoBERTServer
import SystemdSupport
import XCTest

/// A datagram socket standing in for systemd's NOTIFY_SOCKET.
final class NotifyListener {
    let fd: Int32
    let address: String
    init(address: String) throws {
        self.address = address
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard let (addr0, length) = UnixAddress.make(address) else { throw POSIXError(.ENAMETOOLONG) }
        var addr = addr0
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno)!) }
        var tv = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }
    deinit { close(fd) }

    func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
    }

    /// Collects messages until one contains `line` or `seconds` pass.
    func waitFor(_ line: String, seconds: Double, into log: inout [String]) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let m = receive() {
                log.append(m)
                if m.split(separator: "\n").contains(Substring(line)) { return true }
            }
        }
        return false
    }
}

final class SystemdSupportTests: XCTestCase {
    func testNotifyOverPathSocket() throws {
        let dir = TempDirectory()
        let listener = try NotifyListener(address: dir.file("notify"))
        let notifier = SDNotifier(environment: ["NOTIFY_SOCKET": dir.file("notify")])
        XCTAssertTrue(notifier.send(.ready, .status("serving nsmc")))
        XCTAssertEqual(listener.receive(), "READY=1\nSTATUS=serving nsmc")
        XCTAssertTrue(notifier.send(.reloading(monotonicMicroseconds: 42)))
        XCTAssertEqual(listener.receive(), "RELOADING=1\nMONOTONIC_USEC=42")
        notifier.send(.stopping); XCTAssertEqual(listener.receive(), "STOPPING=1")
        notifier.send(.watchdog); XCTAssertEqual(listener.receive(), "WATCHDOG=1")
    }

    func testNotifyOverAbstractSocket() throws {
        let name = "@kobertd-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let listener = try NotifyListener(address: name)
        XCTAssertTrue(SDNotifier(socketPath: name).send(.ready))
        XCTAssertEqual(listener.receive(), "READY=1")
    }

    func testNotifyIsANoOpWithoutSystemd() {
        XCTAssertFalse(SDNotifier(environment: [:]).send(.ready))
        XCTAssertFalse(SDNotifier(socketPath: "relative/path").isEnabled)
    }

    func testWatchdogSettings() {
        XCTAssertNil(WatchdogSettings(environment: [:]))
        XCTAssertEqual(WatchdogSettings(environment: ["WATCHDOG_USEC": "30000000"], pid: 10)?.pingIntervalNanoseconds, 15_000_000_000)
        XCTAssertNotNil(WatchdogSettings(environment: ["WATCHDOG_USEC": "1000", "WATCHDOG_PID": "10"], pid: 10))
        XCTAssertNil(WatchdogSettings(environment: ["WATCHDOG_USEC": "1000", "WATCHDOG_PID": "11"], pid: 10))
        XCTAssertNil(WatchdogSettings(environment: ["WATCHDOG_USEC": "soon"], pid: 10))
    }

    func testListenFDsParsing() throws {
        XCTAssertNil(try ListenFDs.parse(environment: [:], pid: 5))
        XCTAssertNil(try ListenFDs.parse(environment: ["LISTEN_FDS": "1", "LISTEN_PID": "6"], pid: 5), "meant for another process")
        let fds = try ListenFDs.parse(environment: ["LISTEN_FDS": "2", "LISTEN_PID": "5", "LISTEN_FDNAMES": "kobertd:extra"], pid: 5)
        XCTAssertEqual(fds?.sockets, [.init(fd: 3, name: "kobertd"), .init(fd: 4, name: "extra")])
        XCTAssertThrowsError(try ListenFDs.parse(environment: ["LISTEN_FDS": "x", "LISTEN_PID": "5"], pid: 5))
        XCTAssertThrowsError(try ListenFDs.parse(environment: ["LISTEN_FDS": "1"], pid: 5))
    }

    func testListenerValidationChecksTheDescriptor() throws {
        let dir = TempDirectory()
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var (addr, length) = UnixAddress.make(dir.file("l.sock"))!
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        XCTAssertThrowsError(try ListenFDs.validateUnixListener(fd), "bound but not listening")
        listen(fd, 8)
        XCTAssertNoThrow(try ListenFDs.validateUnixListener(fd))
        XCTAssertNotEqual(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0)
        let file = open(dir.write("plain", "x"), O_RDONLY)
        defer { close(file) }
        XCTAssertThrowsError(try ListenFDs.validateUnixListener(file)) { XCTAssertTrue("\($0)".contains("not a socket")) }
        let dgram = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(dgram) }
        XCTAssertThrowsError(try ListenFDs.validateUnixListener(dgram)) { XCTAssertTrue("\($0)".contains("stream")) }
    }

    func testServerSendsReadyStoppingAndReloadingThroughTheServiceEntry() async throws {
        let dir = TempDirectory()
        let listener = try NotifyListener(address: dir.file("notify"))
        let registry = ModelRegistry(specs: writeTestModels(in: dir), loader: TestBackendLoader())
        try registry.loadAll()
        let server = KoBERTServer(configuration: ServerConfiguration(socketPath: dir.file("k.sock"), engine: .init(threads: 1)),
                                  registry: registry, notifier: SDNotifier(socketPath: dir.file("notify")), logger: quietLogger)
        try await server.start()
        server.reloadModels()
        var log: [String] = []
        XCTAssertTrue(listener.waitFor("RELOADING=1", seconds: 2, into: &log), "\(log)")
        XCTAssertTrue(listener.waitFor("READY=1", seconds: 2, into: &log), "\(log)")
        await server.shutdown()
    }

    func testConfigFile() throws {
        let text = """
        # kobertd settings
        socket = /run/kobertd/kobertd.sock
        model = nsmc=/var/lib/kobertd/nsmc.kbt   # trailing comment
        model = ner=/var/lib/kobertd/ner.kbt
        max_batch = 8
        """
        let file = try ConfigFile(path: "k.conf", text: text)
        XCTAssertEqual(file.value("socket"), "/run/kobertd/kobertd.sock")
        XCTAssertEqual(file.values("model"), ["nsmc=/var/lib/kobertd/nsmc.kbt", "ner=/var/lib/kobertd/ner.kbt"])
        XCTAssertEqual(try file.parsed("max-batch") { Int($0) }, 8)
        XCTAssertThrowsError(try file.parsed("socket") { Int($0) }) { XCTAssertTrue("\($0)".contains("k.conf:2")) }
        XCTAssertThrowsError(try ConfigFile(path: "k.conf", text: "bogus = 1")) { XCTAssertTrue("\($0)".contains("k.conf:1: unknown key")) }
        XCTAssertThrowsError(try ConfigFile(path: "k.conf", text: "\nthreads")) { XCTAssertTrue("\($0)".contains("k.conf:2")) }
        XCTAssertEqual(ModelSpec(argument: "nsmc = a=b.kbt"), ModelSpec(task: "nsmc", path: "a=b.kbt"))
        XCTAssertNil(ModelSpec(argument: "nsmc"))
    }

    /// Every key the daemon accepts is documented in the shipped example config.
    func testExampleConfigDocumentsEveryKey() throws {
        let example = try String(contentsOf: repositoryRoot.appendingPathComponent("systemd/kobertd.conf"), encoding: .utf8)
        for key in ConfigFile.knownKeys {
            XCTAssertTrue(example.contains("# \(key) =") || example.contains("\n\(key) ="), "systemd/kobertd.conf does not document \(key)")
        }
        XCTAssertNoThrow(try ConfigFile(path: "kobertd.conf", text: example))
    }
}
