#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import KoBERTRuntime
import KoBERTServer
import Logging
import ServiceLifecycle
import SystemdSupport

/// kobertd: serves packed KoBERT models over a Unix socket (JSON-RPC 2.0 in length-prefixed
/// frames; see PROTOCOL.md). Flags override /etc/kobertd/kobertd.conf; every option is
/// documented in systemd/kobertd.conf.
@main
struct Kobertd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kobertd",
        abstract: "DistilKoBERT inference daemon on a Unix socket (JSON-RPC 2.0, length-prefixed frames).",
        discussion: """
        Examples:
          kobertd --model nsmc=models/nsmc.kbt --model ner=models/ner.kbt --socket ./kobertd.sock
          systemctl start kobertd.socket   # socket activation; see systemd/
        Signals: SIGTERM/SIGINT drain and exit 0; SIGHUP reloads the model files.
        """)

    @Option(help: "Socket path (default: $RUNTIME_DIRECTORY/kobertd.sock, $XDG_RUNTIME_DIR/kobertd.sock, ./kobertd.sock).")
    var socket: String?

    @Option(name: .customLong("model"), help: "task=PATH, repeatable (tasks: nsmc, ner, qa, embed). Default: models/nsmc(.kbt), models/ner(.kbt).")
    var models: [String] = []

    @Option(help: "Config file (key = value). Default: /etc/kobertd/kobertd.conf when it exists.")
    var config: String?

    @Option(help: "Group owning the socket file (name or gid).")
    var group: String?

    @Option(name: .customLong("socket-mode"), help: "Socket file mode, octal (default 0660).")
    var socketMode: String?

    @Option(name: .customLong("allow-uid"), help: "Allowed peer uid (repeatable or comma-separated). Default: anyone who can open the socket.")
    var allowUIDs: [String] = []

    @Option(name: .customLong("allow-gid"), help: "Allowed peer primary gid or group name (repeatable or comma-separated).")
    var allowGIDs: [String] = []

    @Option(help: "Inference threads (default: number of cores).")
    var threads: Int?

    @Option(name: .customLong("max-batch"), help: "Largest micro-batch in texts (default 8).")
    var maxBatch: Int?

    @Option(name: .customLong("max-wait-ms"), help: "Longest a text waits for its batch to fill, ms (default 2).")
    var maxWaitMs: Double?

    @Option(name: .customLong("max-queue"), help: "Texts waiting at most; beyond: \"overloaded\" (default 1024).")
    var maxQueue: Int?

    @Option(name: .customLong("max-texts"), help: "Texts per request at most (default 64).")
    var maxTexts: Int?

    @Option(name: .customLong("max-frame-bytes"), help: "Largest frame body in bytes (default 1048576).")
    var maxFrameBytes: Int?

    @Option(name: .customLong("max-connections"), help: "Open connections at most (default 256).")
    var maxConnections: Int?

    @Option(name: .customLong("max-connections-per-uid"), help: "Open connections one peer uid may hold (default: half of max-connections).")
    var maxConnectionsPerUID: Int?

    @Option(name: .customLong("max-in-flight"), help: "Unanswered requests per connection before reading pauses (default 128).")
    var maxInFlight: Int?

    @Option(name: .customLong("max-connection-bytes"), help: "Bytes of unanswered requests and unsent answers per connection before reading pauses (default 4194304).")
    var maxConnectionBytes: Int?

    @Option(name: .customLong("max-pieces"), help: "Pieces one tokenize request may produce in all (default 8192).")
    var maxPieces: Int?

    @Option(name: .customLong("max-batch-bytes"), help: "Bytes of text a micro-batch grows to at most (default 16384).")
    var maxBatchBytes: Int?

    @Option(name: .customLong("idle-timeout"), help: "Close a connection quiet this long with nothing in flight, s (default 300).")
    var idleTimeout: Double?

    @Option(name: .customLong("read-timeout"), help: "Close a connection inside a frame with no byte received for this long, s (default 10).")
    var readTimeout: Double?

    @Option(name: .customLong("drain-timeout"), help: "Longest graceful drain on SIGTERM, s (default 20).")
    var drainTimeout: Double?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error, critical (default info).")
    var logLevel: String?

    @Option(help: "Tokenizer folder (tokenizer_78b3253a26.model + vocab.txt, a tokenizer.json, or a WordPiece vocab.txt) for models that carry none. Default: models/tokenizer when present.")
    var tokenizer: String?

    @Option(help: ArgumentHelp("model (packed/folder models) or test (deterministic fake, for tests only).", visibility: .hidden))
    var backend: String = "model"

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        do {
            let settings = try DaemonSettings(command: self, environment: environment)
            try await serve(settings, environment: environment)
        } catch let error as ValidationError {
            throw error
        } catch {
            FileHandle.standardError.write(Data("kobertd: \(error)\n".utf8))
            SDNotifier(environment: environment).send(.status("failed: \(error)"))
            throw ExitCode(1)
        }
    }

    private func serve(_ settings: DaemonSettings, environment: [String: String]) async throws {
        let level = settings.logLevel
        LoggingSystem.bootstrap { JournaldLogHandler(label: $0, level: level) }
        let logger = Logger(label: "kobertd")
        let notifier = SDNotifier(environment: environment)

        let loader: any BackendLoader
        switch settings.backend {
        case "test": loader = TestBackendLoader()
        default:
            // Engine workers × threads per forward pass = the cores, never more.
            let cores = ProcessInfo.processInfo.activeProcessorCount
            let perPass = max(1, cores / settings.server.engine.threads)
            loader = ModelBackends.loader(threads: perPass, tokenizerDirectory: settings.tokenizer ?? ModelLoader.defaultTokenizerDirectory)
        }
        let registry = ModelRegistry(specs: settings.models, loader: loader)
        notifier.send(.status("loading models"))
        let started = Date()
        try registry.loadAll()
        logger.info("models loaded", metadata: ["models": "\(settings.models.map(\.description).joined(separator: " "))",
                                                "seconds": "\(String(format: "%.2f", Date().timeIntervalSince(started)))"])

        let server = KoBERTServer(configuration: settings.server, registry: registry, notifier: notifier, logger: logger)
        var services: [any Service] = []
        if let watchdog = WatchdogSettings(environment: environment) {
            logger.info("watchdog enabled", metadata: ["interval_us": "\(watchdog.intervalMicroseconds)"])
            services.append(WatchdogService(settings: watchdog, server: server, logger: logger))
        }
        services.append(ReloadOnHangupService(server: server))
        services.append(server)   // last: drains first on shutdown
        let group = ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                                 cancellationSignals: [], logger: logger)
        try await group.run()
        logger.info("exiting")
    }
}
