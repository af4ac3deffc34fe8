#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import KoBERTServer
import Logging
import SystemdSupport

/// Flags over config file over defaults, resolved into the server's configuration.
struct DaemonSettings {
    var server: ServerConfiguration
    var models: [ModelSpec]
    var logLevel: Logger.Level
    var backend: String
    var tokenizer: String?

    static let defaultConfigPath = "/etc/kobertd/kobertd.conf"

    init(command c: Kobertd, environment: [String: String]) throws {
        var file: ConfigFile? = nil
        if let path = c.config { file = try ConfigFile(contentsOf: path) }
        else if FileManager.default.fileExists(atPath: Self.defaultConfigPath) { file = try ConfigFile(contentsOf: Self.defaultConfigPath) }

        // The socket: inherited from systemd if present, else flag, file, default path.
        var listenFD: Int32? = nil
        if let inherited = try ListenFDs.parse(environment: environment) {
            ListenFDs.unsetEnvironment()
            guard let first = inherited.sockets.first else { throw ValidationError("LISTEN_FDS=0: systemd passed no socket") }
            listenFD = first.fd
        }
        let path = c.socket ?? file?.value("socket") ?? ServerConfiguration.defaultSocketPath(environment: environment)

        let cores = ProcessInfo.processInfo.activeProcessorCount
        let threads = try Self.count("threads", c.threads, file, minimum: 1, maximum: 4096) ?? cores
        var engine = InferenceEngine.Limits(threads: threads)
        if let v = try Self.count("max-batch", c.maxBatch, file, minimum: 1, maximum: 1 << 20) { engine.maxBatch = v }
        if let v = try Self.time("max-wait-ms", c.maxWaitMs, file, allowZero: true, unit: "ms") {
            engine.maxWaitNanoseconds = OptionLimits.nanoseconds(milliseconds: v)
        }
        if let v = try Self.count("max-queue", c.maxQueue, file, minimum: 1, maximum: 1 << 30) { engine.maxQueue = v }
        if let v = try Self.count("max-batch-bytes", c.maxBatchBytes, file, minimum: 1, maximum: Int(Int32.max)) { engine.maxBatchBytes = v }

        var server = ServerConfiguration(socketPath: path, listenDescriptor: listenFD, engine: engine)
        if let v = try Self.count("max-texts", c.maxTexts, file, minimum: 1, maximum: 1 << 30) { server.maxTextsPerRequest = v }
        if let v = try Self.count("max-frame-bytes", c.maxFrameBytes, file, minimum: OptionLimits.minFrameBytes,
                                  maximum: Int(Int32.max)) { server.maxFrameBytes = v }
        if let v = try Self.count("max-connections", c.maxConnections, file, minimum: 1, maximum: 1 << 20) { server.maxConnections = v }
        if let v = try Self.count("max-connections-per-uid", c.maxConnectionsPerUID, file, minimum: 1, maximum: 1 << 20) {
            server.maxConnectionsPerUIDSetting = v
        }
        if let v = try Self.count("max-in-flight", c.maxInFlight, file, minimum: 1, maximum: 1 << 20) { server.maxInFlightPerConnection = v }
        if let v = try Self.count("max-connection-bytes", c.maxConnectionBytes, file, minimum: OptionLimits.minFrameBytes,
                                  maximum: 1 << 40) { server.maxConnectionBytes = v }
        if let v = try Self.count("max-pieces", c.maxPieces, file, minimum: 1, maximum: 1 << 30) { server.maxPiecesPerRequest = v }
        if let v = try Self.time("idle-timeout", c.idleTimeout, file) { server.idleTimeoutSeconds = v }
        if let v = try Self.time("read-timeout", c.readTimeout, file) { server.readTimeoutSeconds = v }
        if let v = try Self.time("drain-timeout", c.drainTimeout, file) { server.drainTimeoutSeconds = v }
        if let mode = c.socketMode ?? file?.value("socket-mode") {
            guard let m = UInt16(mode, radix: 8), m <= 0o777 else { throw ValidationError("socket mode \"\(mode)\" is not octal like 0660") }
            server.socketMode = m
        }
        if let g = c.group ?? file?.value("group") { server.socketGroup = try Self.groupID(g) }
        let uids = c.allowUIDs.isEmpty ? (file?.values("allow-uid") ?? []) : c.allowUIDs
        let gids = c.allowGIDs.isEmpty ? (file?.values("allow-gid") ?? []) : c.allowGIDs
        server.allowUIDs = Set(try Self.splitList(uids).map { try Self.userID($0) })
        server.allowGIDs = Set(try Self.splitList(gids).map { try Self.groupID($0) })
        self.server = server

        let modelArgs = c.models.isEmpty ? (file?.values("model") ?? []) : c.models
        var specs: [ModelSpec] = []
        for arg in modelArgs {
            guard let spec = ModelSpec(argument: arg) else { throw ValidationError("--model \"\(arg)\": expected task=PATH") }
            specs.append(spec)
        }
        if specs.isEmpty { specs = Self.defaultModels() }
        guard !specs.isEmpty else {
            throw ValidationError("no models: pass --model nsmc=PATH (models/nsmc.kbt or models/nsmc not found)")
        }
        self.models = specs

        let levelText = c.logLevel ?? file?.value("log-level") ?? "info"
        guard let level = Logger.Level(rawValue: levelText) else { throw ValidationError("unknown log level \"\(levelText)\"") }
        self.logLevel = level
        self.backend = c.backend
        self.tokenizer = c.tokenizer ?? file?.value("tokenizer")
    }

    /// The flag's value, else the config file's; checked to lie in `minimum...maximum`.
    static func count(_ key: String, _ flag: Int?, _ file: ConfigFile?, minimum: Int, maximum: Int) throws -> Int? {
        let value: Int
        let origin: String
        if let flag { value = flag; origin = "--\(key) \(flag)" }
        else if let v = try file?.parsed(key, { Int($0) }), let entry = file?.entries.last(where: { $0.key == key }) {
            value = v; origin = "\(file!.path):\(entry.line): \(key) = \(entry.value)"
        } else { return nil }
        if let problem = OptionLimits.countProblem(value, minimum: minimum, maximum: maximum) {
            throw ValidationError("\(origin): \(problem)")
        }
        return value
    }

    /// A time option (seconds unless `unit` says otherwise): finite, > 0 (≥ 0 with `allowZero`), at most one day.
    static func time(_ key: String, _ flag: Double?, _ file: ConfigFile?, allowZero: Bool = false, unit: String = "s") throws -> Double? {
        let value: Double
        let origin: String
        if let flag { value = flag; origin = "--\(key) \(flag)" }
        else if let v = try file?.parsed(key, { Double($0) }), let entry = file?.entries.last(where: { $0.key == key }) {
            value = v; origin = "\(file!.path):\(entry.line): \(key) = \(entry.value)"
        } else { return nil }
        let max = unit == "ms" ? OptionLimits.maxSeconds * 1e3 : OptionLimits.maxSeconds
        if let problem = OptionLimits.timeProblem(value, allowZero: allowZero, max: max, unit: unit) {
            throw ValidationError("\(origin): \(problem)")
        }
        return value
    }

    /// models/nsmc.kbt (or the folder models/nsmc), and the same for ner, when present.
    static func defaultModels() -> [ModelSpec] {
        ["nsmc", "ner"].compactMap { task in
            for candidate in ["models/\(task).kbt", "models/\(task)"] where FileManager.default.fileExists(atPath: candidate) {
                return ModelSpec(task: task, path: candidate)
            }
            return nil
        }
    }

    static func splitList(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
    }

    static func groupID(_ text: String) throws -> UInt32 {
        if let n = UInt32(text) { return n }
        guard let entry = getgrnam(text) else { throw ValidationError("unknown group \"\(text)\"") }
        return entry.pointee.gr_gid
    }

    static func userID(_ text: String) throws -> UInt32 {
        if let n = UInt32(text) { return n }
        guard let entry = getpwnam(text) else { throw ValidationError("unknown user \"\(text)\"") }
        return entry.pointee.pw_uid
    }
}
