#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KoBERTClient
import KoBERTProtocol
import KoBERTServer
import KoBERTTestSupport
import XCTest

/// Bad numeric options are refused up front (daemon and client) instead of trapping later.
final class OptionValidationTests: XCTestCase {
    func testTimeChecks() {
        for bad in [Double.infinity, -.infinity, .nan, -1, 0, 1e300, 86_401] {
            XCTAssertNotNil(OptionLimits.timeProblem(bad, allowZero: false, max: OptionLimits.maxSeconds, unit: "s"), "\(bad)")
        }
        for good in [0.001, 1, 300, 86_400] {
            XCTAssertNil(OptionLimits.timeProblem(good, allowZero: false, max: OptionLimits.maxSeconds, unit: "s"), "\(good)")
        }
        XCTAssertNil(OptionLimits.timeProblem(0, allowZero: true, max: 1000, unit: "ms"))
        XCTAssertNotNil(OptionLimits.timeProblem(-0.5, allowZero: true, max: 1000, unit: "ms"))
        XCTAssertNotNil(OptionLimits.timeProblem(.nan, allowZero: true, max: 1000, unit: "ms"))
    }

    func testCountChecks() {
        XCTAssertNotNil(OptionLimits.countProblem(0, minimum: 1, maximum: 10))
        XCTAssertNotNil(OptionLimits.countProblem(-3, minimum: 1, maximum: 10))
        XCTAssertNotNil(OptionLimits.countProblem(100, minimum: OptionLimits.minFrameBytes, maximum: Int(Int32.max)))
        XCTAssertNil(OptionLimits.countProblem(1, minimum: 1, maximum: 10))
    }

    func testConversionsClampInsteadOfTrapping() {
        XCTAssertEqual(OptionLimits.nanoseconds(seconds: .nan), 0)
        XCTAssertEqual(OptionLimits.nanoseconds(seconds: -1), 0)
        XCTAssertEqual(OptionLimits.nanoseconds(seconds: .infinity), Int64(OptionLimits.maxSeconds * 1e9))
        XCTAssertEqual(OptionLimits.nanoseconds(seconds: 1e300), Int64(OptionLimits.maxSeconds * 1e9))
        XCTAssertEqual(OptionLimits.nanoseconds(seconds: 1.5), 1_500_000_000)
        XCTAssertEqual(OptionLimits.nanoseconds(milliseconds: 2), 2_000_000)
        XCTAssertEqual(OptionLimits.nanoseconds(milliseconds: .infinity), UInt64(OptionLimits.maxSeconds * 1e9))
    }

    func testClientTimeoutValidationAndSafeConversion() async throws {
        for bad in [Double.infinity, .nan, -1, 0, 1e300] { XCTAssertNotNil(KoBERTClient.timeoutProblem(bad), "\(bad)") }
        XCTAssertNil(KoBERTClient.timeoutProblem(120))
        let dir = TempDirectory()
        let server = try await startServer(dir)
        // Values the command line now refuses must not trap the library either.
        for timeout in [1e300, .infinity, .nan, -1] {
            let client = try KoBERTClient(socketPath: dir.file("k.sock"), responseTimeoutSeconds: timeout)
            _ = try await client.health()
            client.close()
        }
        await server.shutdown()
    }

    /// A request over the daemon's frame limit fails with the daemon's -32003, not "Broken pipe".
    func testClientReportsFrameLimit() async throws {
        let dir = TempDirectory()
        let server = try await startServer(dir) { $0.maxFrameBytes = 4096 }
        let client = try KoBERTClient(socketPath: dir.file("k.sock"), responseTimeoutSeconds: 10)
        defer { client.close() }
        do {
            _ = try await client.nsmc([String(repeating: "a", count: 2_000_000)])
            XCTFail("expected an error")
        } catch let e as RPCError {
            XCTAssertEqual(e.code, RPCErrorCode.inputTooLarge.rawValue)
            XCTAssertTrue(e.message.contains("4096"), e.message)
        }
        await server.shutdown()
    }

    /// The built kobertd refuses bad limits from flags and the config file with a usage error.
    func testDaemonRejectsBadOptions() throws {
        guard let kobertd = builtProduct("kobertd") else { throw XCTSkip("kobertd is not built next to the tests") }
        let dir = TempDirectory()
        let model = ["--backend", "test", "--model", "nsmc=" + writeTestModels(in: dir)[0].path, "--socket", dir.file("k.sock")]
        let bad = [["--max-wait-ms=inf"], ["--max-wait-ms=nan"], ["--idle-timeout=-1"], ["--read-timeout=nan"],
                   ["--drain-timeout=inf"], ["--idle-timeout=1e300"], ["--max-frame-bytes=0"], ["--max-batch=0"],
                   ["--threads=0"], ["--max-queue=0"], ["--max-texts=0"], ["--max-connections=0"], ["--max-in-flight=0"],
                   ["--max-connections-per-uid=0"], ["--max-connection-bytes=100"], ["--max-pieces=0"], ["--max-batch-bytes=0"],
                   ["--config", dir.write("bad3.conf", "max-pieces = -5\n")],
                   ["--config", dir.write("bad.conf", "idle-timeout = -1\n")],
                   ["--config", dir.write("bad2.conf", "max-batch = 0\n")]]
        for args in bad {
            let (status, output) = try runProcess(kobertd, model + args, in: dir.path)
            XCTAssertEqual(status, 64, "\(args): \(output)")
            let optionOfFile = ["bad.conf": "idle-timeout", "bad2.conf": "max-batch", "bad3.conf": "max-pieces"]
            let option = args[0] == "--config" ? optionOfFile[URL(fileURLWithPath: args[1]).lastPathComponent] ?? "?"
                : String(args[0].split(separator: "=")[0])
            XCTAssertTrue(output.contains(option), "\(args): \(output)")
        }
        let (status, output) = try runProcess(kobertd, ["--backend", "test", "--model", model[3],
                                                        "--socket", dir.file("nodir/x/d.sock")], in: dir.path)
        XCTAssertEqual(status, 1)
        XCTAssertTrue(output.contains("cannot bind \(dir.file("nodir/x/d.sock")): No such file or directory"), output)
    }

    func runProcess(_ executable: String, _ arguments: [String], in directory: String) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment
        for key in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"] { env[key] = nil }
        p.environment = env
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
