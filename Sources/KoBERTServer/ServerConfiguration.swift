import Foundation
import KoBERTProtocol

/// Every knob of the daemon; `kobertd` fills it from flags and /etc/kobertd/kobertd.conf.
public struct ServerConfiguration: Sendable {
    /// Where to listen when no socket is inherited from systemd.
    public var socketPath: String
    /// An inherited listening socket (socket activation); wins over `socketPath`.
    public var listenDescriptor: Int32?
    public var socketMode: UInt16 = 0o660
    /// Group of the socket file (nil: the process's group).
    public var socketGroup: UInt32?
    /// Peers allowed by uid or primary gid (both empty: everyone who can open the socket).
    public var allowUIDs: Set<UInt32> = []
    public var allowGIDs: Set<UInt32> = []
    public var maxFrameBytes = Frame.defaultMaximumLength
    public var maxTextsPerRequest = 64
    public var maxConnections = 256
    /// Open connections one peer uid may hold (SO_PEERCRED); nil: half of `maxConnections`.
    public var maxConnectionsPerUIDSetting: Int?
    public var maxInFlightPerConnection = 128
    /// Bytes one connection may hold (requests read but not answered, answers not yet sent)
    /// before the daemon stops reading from it.
    public var maxConnectionBytes = 4 << 20
    /// Pieces one `tokenize` request may produce in all (past it: -32003).
    public var maxPiecesPerRequest = 8192
    public var idleTimeoutSeconds: Double = 300
    public var readTimeoutSeconds: Double = 10
    /// Longest graceful drain before remaining connections are closed (keep below TimeoutStopSec).
    public var drainTimeoutSeconds: Double = 20
    public var engine: InferenceEngine.Limits

    public init(socketPath: String, listenDescriptor: Int32? = nil,
                engine: InferenceEngine.Limits = .init(threads: ProcessInfo.processInfo.activeProcessorCount)) {
        self.socketPath = socketPath; self.listenDescriptor = listenDescriptor; self.engine = engine
    }

    /// `$RUNTIME_DIRECTORY/kobertd.sock` under systemd, else `$XDG_RUNTIME_DIR/kobertd.sock`, else `./kobertd.sock`.
    public static func defaultSocketPath(environment: [String: String]) -> String {
        if let dir = environment["RUNTIME_DIRECTORY"]?.split(separator: ":").first, !dir.isEmpty { return "\(dir)/kobertd.sock" }
        if let dir = environment["XDG_RUNTIME_DIR"], !dir.isEmpty { return "\(dir)/kobertd.sock" }
        return "./kobertd.sock"
    }

    /// The per-uid cap in force: the setting, else half the connection slots (at least one).
    public var maxConnectionsPerUID: Int { maxConnectionsPerUIDSetting ?? max(1, maxConnections / 2) }

    var limitsJSON: JSONValue {
        ["max_frame_bytes": .int(Int64(maxFrameBytes)), "max_texts_per_request": .int(Int64(maxTextsPerRequest)),
         "max_connections": .int(Int64(maxConnections)), "max_connections_per_uid": .int(Int64(maxConnectionsPerUID)),
         "max_in_flight_per_connection": .int(Int64(maxInFlightPerConnection)),
         "max_connection_bytes": .int(Int64(maxConnectionBytes)), "max_pieces": .int(Int64(maxPiecesPerRequest)),
         "max_batch_bytes": .int(Int64(engine.maxBatchBytes)),
         "idle_timeout_s": .double(idleTimeoutSeconds), "read_timeout_s": .double(readTimeoutSeconds),
         "threads": .int(Int64(engine.threads)), "max_batch": .int(Int64(engine.maxBatch)),
         "max_wait_ms": .double(Double(engine.maxWaitNanoseconds) / 1e6), "max_queue": .int(Int64(engine.maxQueue))]
    }
}
