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
        let threads = try c.threads ?? file?.parsed("threads") { Int($0) } ?? cores
        var engine = InferenceEngine.Limits(threads: threads)
        if let v = try c.maxBatch ?? file?.parsed("max-batch", { Int($0) }) { engine.maxBatch = max(1, v) }
        if let v = try c.maxWaitMs ?? file?.parsed("max-wait-ms", { Double($0) }) { engine.maxWaitNanoseconds = UInt64(max(0, v) * 1e6) }
        if let v = try c.maxQueue ?? file?.parsed("max-queue", { Int($0) }) { engine.maxQueue = max(1, v) }

        var server = ServerConfiguration(socketPath: path, listenDescriptor: listenFD, engine: engine)
        if let v = try c.maxTexts ?? file?.parsed("max-texts", { Int($0) }) { server.maxTextsPerRequest = max(1, v) }
        if let v = try c.maxFrameBytes ?? file?.parsed("max-frame-bytes", { Int($0) }) { server.maxFrameBytes = max(64, min(v, Int(Int32.max))) }
        if let v = try c.maxConnections ?? file?.parsed("max-connections", { Int($0) }) { server.maxConnections = max(1, v) }
        if let v = try c.maxInFlight ?? file?.parsed("max-in-flight", { Int($0) }) { server.maxInFlightPerConnection = max(1, v) }
        if let v = try c.idleTimeout ?? file?.parsed("idle-timeout", { Double($0) }) { server.idleTimeoutSeconds = v }
        if let v = try c.readTimeout ?? file?.parsed("read-timeout", { Double($0) }) { server.readTimeoutSeconds = v }
        if let v = try c.drainTimeout ?? file?.parsed("drain-timeout", { Double($0) }) { server.drainTimeoutSeconds = v }
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
