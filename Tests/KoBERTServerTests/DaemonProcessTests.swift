#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KoBERTClient
import KoBERTProtocol
import KoBERTServer
import KoBERTTestSupport
import XCTest

/// The built `kobertd` executable as systemd runs it: NOTIFY_SOCKET, WATCHDOG_USEC, real
/// signals, socket activation through `systemd-socket-activate`; and Tools/client.py.
final class DaemonProcessTests: XCTestCase {
    var dir: TempDirectory!
    var process: Process?

    override func setUp() { dir = TempDirectory() }
    override func tearDown() {
        if let p = process, p.isRunning { p.terminate(); p.waitUntilExit() }
    }

    func kobertdPath() throws -> String {
        guard let path = builtProduct("kobertd") else { throw XCTSkip("kobertd is not built next to the tests (run `swift build` first)") }
        return path
    }

    func launch(_ executable: String, _ arguments: [String], environment extra: [String: String] = [:]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for key in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"] { env[key] = nil }
        env.merge(extra) { _, new in new }
        p.environment = env
        p.currentDirectoryURL = URL(fileURLWithPath: dir.path)
        FileManager.default.createFile(atPath: dir.file("daemon.log"), contents: nil)
        let log = FileHandle(forWritingAtPath: dir.file("daemon.log"))
        p.standardOutput = log
        p.standardError = log
        try p.run()
        process = p
        return p
    }

    var daemonLog: String { (try? String(contentsOfFile: dir.file("daemon.log"), encoding: .utf8)) ?? "" }

    func waitExit(_ p: Process, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        return !p.isRunning
    }

    func modelArguments(delayMs: Int = 0) -> [String] {
        writeTestModels(in: dir, delayMs: delayMs).flatMap { ["--model", "\($0.task)=\($0.path)"] }
    }

    /// READY after listening, WATCHDOG pings, SIGTERM under load: every request answered, STOPPING, exit 0.
    func testSigtermUnderLoadWithNotifyAndWatchdog() throws {
        let kobertd = try kobertdPath()
        let notify = try NotifyListener(address: dir.file("notify"))
        let p = try launch(kobertd, ["--backend", "test", "--socket", dir.file("k.sock"), "--threads", "1",
                                     "--max-batch", "2", "--max-wait-ms", "0"] + modelArguments(delayMs: 10),
                           environment: ["NOTIFY_SOCKET": dir.file("notify"), "WATCHDOG_USEC": "200000"])
        var log: [String] = []
        XCTAssertTrue(notify.waitFor("READY=1", seconds: 20, into: &log), "no READY=1: \(log) \(daemonLog)")
        XCTAssertTrue(notify.waitFor("WATCHDOG=1", seconds: 3, into: &log), "no watchdog ping: \(log)")

        let connections = try (0..<4).map { _ in try RawConnection(path: dir.file("k.sock"), timeoutSeconds: 20) }
        for (c, conn) in connections.enumerated() {
            for r in 0..<10 { conn.send(json: request(c * 100 + r, "nsmc", ["texts": [.string("review \(c) \(r)")]])) }
        }
        // SIGTERM once the daemon has read all 40 requests (accepted, most still queued).
        let observer = try RawConnection(path: dir.file("k.sock"))
        for attempt in 0..<500 {
            observer.send(json: request(attempt, "stats"))
            let accepted = observer.response()?.result?["accepted_total"]?.intValue ?? 0
            if accepted - Int64(attempt + 1) >= 40 { break }   // not counting our own stats calls
            usleep(2_000)
        }
        kill(p.processIdentifier, SIGTERM)
        for (c, conn) in connections.enumerated() {
            var ids = Set<Int64>()
            for _ in 0..<10 {
                guard let r = conn.response() else { break }
                XCTAssertNotNil(r.result, "\(r.outcome)")
                ids.insert(r.id.intValue ?? -1)
            }
            XCTAssertEqual(ids.count, 10, "connection \(c) lost answers")
        }
        XCTAssertTrue(waitExit(p, seconds: 20), "kobertd did not exit after SIGTERM")
        XCTAssertEqual(p.terminationStatus, 0, daemonLog)
        XCTAssertTrue(notify.waitFor("STOPPING=1", seconds: 2, into: &log), "\(log)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("k.sock")), "socket file left behind")
    }

    /// SIGHUP with a corrupt model file: RELOADING=1 then READY=1, and the old model still answers.
    func testSighupWithCorruptFileKeepsOldModel() async throws {
        let kobertd = try kobertdPath()
        let notify = try NotifyListener(address: dir.file("notify"))
        let p = try launch(kobertd, ["--backend", "test", "--socket", dir.file("k.sock")] + modelArguments(),
                           environment: ["NOTIFY_SOCKET": dir.file("notify")])
        var log: [String] = []
        XCTAssertTrue(notify.waitFor("READY=1", seconds: 20, into: &log), "\(log) \(daemonLog)")
        _ = dir.write("nsmc.json", "\u{0}\u{1} corrupt")
        kill(p.processIdentifier, SIGHUP)
        XCTAssertTrue(notify.waitFor("RELOADING=1", seconds: 5, into: &log), "\(log)")
        XCTAssertTrue(notify.waitFor("READY=1", seconds: 5, into: &log), "\(log)")
        let client = try KoBERTClient(socketPath: dir.file("k.sock"))
        let predictions = try await client.nsmc(["아직 살아있다"])
        XCTAssertEqual(predictions.count, 1)
        let generation = try await client.info()["models"]?["nsmc"]?["generation"]
        XCTAssertEqual(generation, 1)
        client.close()
        XCTAssertTrue(daemonLog.contains("reload failed"), daemonLog)
        kill(p.processIdentifier, SIGTERM)
        XCTAssertTrue(waitExit(p, seconds: 20))
        XCTAssertEqual(p.terminationStatus, 0)
    }

    /// Socket activation: systemd-socket-activate binds, passes LISTEN_FDS, kobertd adopts the fd.
    func testSocketActivation() async throws {
        let kobertd = try kobertdPath()
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-socket-activate") else {
            throw XCTSkip("systemd-socket-activate is not installed")
        }
        let p = try launch("/usr/bin/systemd-socket-activate",
                           ["-l", dir.file("act.sock"), "--fdname=kobertd", kobertd, "--backend", "test"] + modelArguments())
        var client: KoBERTClient? = nil
        for _ in 0..<200 where client == nil {
            client = try? KoBERTClient(socketPath: dir.file("act.sock"))
            if client == nil { usleep(25_000) }
        }
        guard let client else { return XCTFail("no activation socket: \(daemonLog)") }
        let info = try await client.info()
        XCTAssertEqual(info["listener"]?["source"], "systemd", info.jsonString)
        XCTAssertEqual(info["listener"]?["fd"], 3)
        let predictions = try await client.nsmc(["소켓 활성화"])
        XCTAssertEqual(predictions.count, 1)
        client.close()
        kill(p.processIdentifier, SIGTERM)
        XCTAssertTrue(waitExit(p, seconds: 20))
        XCTAssertEqual(p.terminationStatus, 0, daemonLog)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file("act.sock")), "an inherited socket must not be unlinked")
    }

    /// Tools/client.py (stdlib only) gets the same answers as the Swift client.
    func testPythonClient() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else { throw XCTSkip("python3 not installed") }
        let server = try await startServer(dir)
        let script = repositoryRoot.appendingPathComponent("Tools/client.py").path
        func python(_ args: [String]) throws -> (status: Int32, out: String) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            p.arguments = [script, "--socket", dir.file("k.sock")] + args
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = pipe
            try p.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return (p.terminationStatus, String(decoding: data, as: UTF8.self))
        }
        let texts = ["정말 재미있는 영화", "지루했다"]
        let py = try python(["nsmc"] + texts)
        XCTAssertEqual(py.status, 0, py.out)
        let client = try KoBERTClient(socketPath: dir.file("k.sock"))
        let swift = try await client.call("nsmc", params: ["texts": .array(texts.map { .string($0) })])
        client.close()
        XCTAssertEqual(JSONValue.parse(Array(py.out.utf8)), swift)
        let bad = try python(["--raw", #"{"jsonrpc": "2.0", "id": 5, "method": "nope"}"#])
        XCTAssertEqual(JSONValue.parse(Array(bad.out.utf8))?["error"]?["code"], -32601, bad.out)
        let refused = try python(["nsmc"] + (0..<65).map { "t\($0)" })
        XCTAssertEqual(refused.status, 2, refused.out)
        XCTAssertTrue(refused.out.contains("-32003"), refused.out)
        await server.shutdown()
    }
}

/// The shipped units pass `systemd-analyze verify` and score ≤ 2.0 in `systemd-analyze security`.
final class SystemdUnitTests: XCTestCase {
    func run(_ arguments: [String], in directory: String) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/systemd-analyze")
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testUnitsVerifyAndExposureIsAtMostTwo() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze") else { throw XCTSkip("systemd-analyze not installed") }
        let dir = TempDirectory()
        let units = repositoryRoot.appendingPathComponent("systemd")
        // ExecStart must name an existing executable for verify: point it at /bin/true here.
        let service = try String(contentsOf: units.appendingPathComponent("kobertd.service"), encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/kobertd", with: "/bin/true")
        _ = dir.write("kobertd.service", service)
        _ = dir.write("kobertd.socket", try String(contentsOf: units.appendingPathComponent("kobertd.socket"), encoding: .utf8))
        let verify = try run(["verify", "--man=no", "./kobertd.socket", "./kobertd.service"], in: dir.path)
        XCTAssertEqual(verify.status, 0, verify.output)
        XCTAssertEqual(verify.output.trimmingCharacters(in: .whitespacesAndNewlines), "", "verify printed warnings")
        let security = try run(["security", "--offline=yes", "./kobertd.service"], in: dir.path)
        guard let line = security.output.split(separator: "\n").first(where: { $0.contains("Overall exposure level") }),
              let figure = line.split(separator: ":").last?.split(separator: " ").first.flatMap({ Double($0) }) else {
            return XCTFail("no exposure figure: \(security.output)")
        }
        XCTAssertLessThanOrEqual(figure, 2.0, String(line))
    }
}
