#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KoBERTProtocol
import Logging
import NIOCore
import NIOExtras
import NIOPosix
import ServiceLifecycle
import Synchronization
import SystemdSupport

/// The daemon: listener (bound path or systemd fd) → per-connection NIO pipeline →
/// dispatcher → micro-batching engine → models. `start`/`shutdown` drive it directly (tests);
/// `run` is the ServiceLifecycle entry (READY, SIGTERM drain, STOPPING).
///
/// Child pipeline: IdleStateHandler → ByteToMessageHandler(BoundedFrameDecoder) →
/// LengthFieldPrepender → RPCConnectionHandler. The idle handler comes first so that the read
/// timeout counts from the last byte received, not from the last whole frame. The listener
/// carries the quiescing helper.
public final class KoBERTServer: Sendable {
    public let configuration: ServerConfiguration
    public let registry: ModelRegistry
    public let stats = ServerStats()
    public let notifier: SDNotifier
    let engine: InferenceEngine
    let dispatcher: RequestDispatcher
    private let group: MultiThreadedEventLoopGroup
    private let logger: Logger
    private let guarded = Mutex(Guarded())

    enum State { case idle, running, draining, stopped }

    private struct Guarded {
        var state = State.idle
        /// Made just before binding; dropped (never left unfulfilled) when binding fails.
        var quiesce: ServerQuiescingHelper?
        var serverChannel: Channel?
        var boundSocket: (path: String, inode: ino_t)?
        var stopped: [CheckedContinuation<Void, Never>] = []
        /// Set just before the event loop group shuts down: nothing may be scheduled on it afterwards.
        var loopShutDown = false
    }

    public init(configuration: ServerConfiguration, registry: ModelRegistry,
                notifier: SDNotifier = SDNotifier(socketPath: nil), logger: Logger = Logger(label: "kobertd")) {
        self.configuration = configuration
        self.registry = registry
        self.notifier = notifier
        self.logger = logger
        self.engine = InferenceEngine(limits: configuration.engine, registry: registry, stats: stats)
        self.dispatcher = RequestDispatcher(configuration: configuration, registry: registry, engine: engine, stats: stats)
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    /// The socket path served, when we bound one (nil for an inherited fd).
    public var socketPath: String? { guarded.withLock { $0.boundSocket?.path } }

    /// Binds or adopts the listener and starts the inference threads. Models must be loaded.
    public func start() async throws {
        let fresh = guarded.withLock { g -> Bool in
            guard g.state == .idle else { return false }
            g.state = .running
            return true
        }
        guard fresh else { throw SocketListener.BindError(description: "server already started") }
        engine.start()
        do {
            let channel = try await bind()
            guarded.withLock { $0.serverChannel = channel }
        } catch {
            await engine.stop()
            await shutdownEventLoop()
            guarded.withLock { $0.state = .stopped }
            throw error
        }
    }

    private func bind() async throws -> Channel {
        let config = configuration
        let frameLimit = config.maxFrameBytes
        let policy = PeerPolicy(uids: config.allowUIDs, gids: config.allowGIDs)
        let uidLimit = UIDConnectionLimit(limit: config.maxConnectionsPerUID)
        let connectionLimits = RPCConnectionHandler.Limits(maxInFlight: config.maxInFlightPerConnection,
                                                           maxHeldBytes: config.maxConnectionBytes,
                                                           maxFrameBytes: config.maxFrameBytes,
                                                           idleTimeoutSeconds: config.idleTimeoutSeconds)
        let connectionIDs = ConnectionCounter()
        let quiesce = ServerQuiescingHelper(group: group)
        guarded.withLock { $0.quiesce = quiesce }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 128)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiesce.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelInitializer { [stats, dispatcher, logger] channel in
                channel.eventLoop.makeCompletedFuture {
                    guard stats.tryOpenConnection(limit: config.maxConnections) else {
                        logger.warning("connection refused: \(config.maxConnections) connections already open")
                        try channel.pipeline.syncOperations.addHandler(RejectingHandler(
                            RPCError(.overloaded, "too many connections (limit \(config.maxConnections))")))
                        return
                    }
                    channel.closeFuture.whenComplete { _ in stats.connectionClosed() }
                    let progress = FrameProgress()
                    try channel.pipeline.syncOperations.addHandlers([
                        IdleStateHandler(readTimeout: .nanoseconds(OptionLimits.nanoseconds(seconds: config.readTimeoutSeconds))),
                        ByteToMessageHandler(BoundedFrameDecoder(maximumLength: frameLimit, progress: progress),
                                             maximumBufferSize: frameLimit + Frame.headerLength + 256 * 1024),
                        LengthFieldPrepender(lengthFieldBitLength: .fourBytes, lengthFieldEndianness: .big),
                        RPCConnectionHandler(dispatcher: dispatcher, progress: progress, policy: policy, uidLimit: uidLimit,
                                             connectionID: connectionIDs.next(), limits: connectionLimits, logger: logger),
                    ])
                }
            }
            .childChannelOption(ChannelOptions.autoRead, value: true)
            // One socket read (≤ 64 KiB) per wake-up, so that when the connection handler stops
            // reading (bytes or requests held) at most one read's worth of frames follows.
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 1)
            // A client may send its requests and shut down writing; it still gets its answers.
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)

        if let fd = config.listenDescriptor {
            try ListenFDs.validateUnixListener(fd)
            // Described before binding: the connection that woke us may be answered at once.
            dispatcher.listenerDescription = ["source": "systemd", "fd": .int(Int64(fd))]
            let channel = try await bootstrap.withBoundSocket(fd).get()
            logger.info("listening on the socket passed by systemd", metadata: ["fd": "\(fd)"])
            return channel
        }
        let path = config.socketPath
        try SocketListener.clearStaleSocket(at: path)
        dispatcher.listenerDescription = ["source": "path", "path": .string(path),
                                          "mode": .string("0" + String(config.socketMode, radix: 8))]
        // Create the file with no access for "other" from the start; chmod then sets the exact mode.
        let previous = umask(0o177)
        let bound: Result<Channel, Error>
        do { bound = .success(try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: false).get()) }
        catch { bound = .failure(SocketListener.describeBindFailure(error, path: path)) }
        umask(previous)
        let channel = try bound.get()
        do {
            let inode = try SocketListener.secure(path: path, mode: config.socketMode, group: config.socketGroup)
            guarded.withLock { $0.boundSocket = (path, inode) }
        } catch {
            try? await channel.close()
            throw error
        }
        logger.info("listening", metadata: ["socket": "\(path)", "mode": "0\(String(config.socketMode, radix: 8))"])
        return channel
    }

    /// Graceful stop: refuse new connections, answer every request already read (later ones get
    /// `shuttingDown`), close each connection once it is quiet, drain the engine, unlink our socket.
    public func shutdown() async {
        let previous = guarded.withLock { g -> State in
            let s = g.state
            if s == .idle { g.state = .stopped } else if s == .running { g.state = .draining }
            return s
        }
        switch previous {
        case .idle:
            await engine.stop()
            await shutdownEventLoop()
            return
        case .draining, .stopped:
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let done = guarded.withLock { g -> Bool in
                    if g.state == .stopped { return true }
                    g.stopped.append(c); return false
                }
                if done { c.resume() }
            }
            return
        case .running: break
        }
        dispatcher.draining = true
        logger.info("draining: no new connections, answering in-flight requests")
        await drainConnections()
        await engine.stop()
        let socket = guarded.withLock { $0.boundSocket }
        if let socket { SocketListener.remove(path: socket.path, inode: socket.inode) }
        await shutdownEventLoop()
        let waiters = guarded.withLock { g -> [CheckedContinuation<Void, Never>] in
            g.state = .stopped
            defer { g.stopped = [] }
            return g.stopped
        }
        waiters.forEach { $0.resume() }
        logger.info("stopped", metadata: ["requests": "\(stats.snapshot(queueDepth: 0)["requests_total"]?.intValue ?? 0)"])
    }

    /// Shuts the event loop group down after dropping everything that would schedule on it.
    ///
    /// `ServerQuiescingHelper.deinit` fails its collector promise, and completing a promise from
    /// off the loop always goes through `execute` (even when it is already fulfilled), so the
    /// helper must be released while the loop still runs. If it outlived the group (it lived as
    /// long as this object, which kobertd releases after `shutdown`), NIO printed "Cannot schedule
    /// tasks on an EventLoop that has already shut down" at exit.
    private func shutdownEventLoop() async {
        releaseQuiescingHelper()
        guarded.withLock { $0.loopShutDown = true }
        try? await group.shutdownGracefully()
    }

    /// Drops our reference to the quiescing helper outside the lock (its deinit calls into the loop).
    private func releaseQuiescingHelper() {
        let helper = guarded.withLock { g -> ServerQuiescingHelper? in
            defer { g.quiesce = nil }
            return g.quiesce
        }
        _ = helper
    }

    /// Waits for every connection to close after its in-flight replies, at most the drain timeout.
    private func drainConnections() async {
        let loop = group.next()
        guard let quiesce = guarded.withLock({ $0.quiesce }) else { return }
        let allClosed = loop.makePromise(of: Void.self)
        quiesce.initiateShutdown(promise: allClosed)
        let done = loop.makePromise(of: Bool.self)
        let once = OnceFlag()
        allClosed.futureResult.whenComplete { _ in if once.claim() { done.succeed(true) } }
        let timer = loop.scheduleTask(in: .nanoseconds(OptionLimits.nanoseconds(seconds: configuration.drainTimeoutSeconds))) {
            if once.claim() { done.succeed(false) }
        }
        let drained = try? await done.futureResult.get()
        timer.cancel()   // not left pending on the loop until the group shuts down
        if drained == false {
            logger.warning("drain timeout after \(configuration.drainTimeoutSeconds) s; closing remaining connections")
        }
    }

    /// Reloads every model file (SIGHUP): each swaps atomically or keeps the old model.
    @discardableResult
    public func reloadModels() -> [ModelRegistry.ReloadOutcome] {
        notifier.send(.reloading(monotonicMicroseconds: monotonicMicroseconds()), .status("reloading models"))
        let outcomes = registry.reloadAll()
        for outcome in outcomes {
            if outcome.error == nil { logger.info("reloaded", metadata: ["model": "\(outcome.spec)"]) }
            else { logger.error("reload failed, the old model keeps serving: \(outcome.error!)", metadata: ["model": "\(outcome.spec)"]) }
        }
        notifier.send(.ready, .status(statusLine))
        return outcomes
    }

    var statusLine: String { "serving \(registry.tasks.joined(separator: ", "))" }

    /// True when the event loop runs a task within `seconds` and the engine, if it has work,
    /// finished a batch within the last `progressWindowSeconds`.
    public func isHealthy(withinSeconds seconds: Double, progressWindowSeconds: Double) async -> Bool {
        guard engine.isMakingProgress(windowNanoseconds: UInt64(OptionLimits.nanoseconds(seconds: progressWindowSeconds))) else { return false }
        let answer = OnceContinuation()
        return await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
            answer.set(c)
            // Once the loop is shut down on purpose (we are stopping) there is nothing to probe,
            // and scheduling on it would be an error; the check and `execute` share the lock
            // `shutdownEventLoop` takes before shutting the group down.
            let probed = guarded.withLock { g -> Bool in
                if g.loopShutDown { return false }
                group.next().execute { answer.resume(true) }
                return true
            }
            if !probed { answer.resume(true); return }
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { answer.resume(false) }
        }
    }
}

extension KoBERTServer: Service {
    /// ServiceLifecycle entry: serve until graceful shutdown (SIGTERM/SIGINT), then drain.
    public func run() async throws {
        try await start()
        notifier.send(.ready, .status(statusLine))
        logger.info("ready", metadata: ["models": "\(registry.tasks.joined(separator: ","))", "pid": "\(getpid())"])
        try? await gracefulShutdown()
        notifier.send(.stopping, .status("draining"))
        await shutdown()
    }
}

/// Answers a connection over the limit with one error frame, then closes it.
final class RejectingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let error: RPCError
    init(_ error: RPCError) { self.error = error }
    func channelActive(context: ChannelHandlerContext) {
        let body = RPCResponse(id: .null, error: error).serialized()
        var buffer = context.channel.allocator.buffer(capacity: body.count + 4)
        buffer.writeInteger(UInt32(body.count), endianness: .big)
        buffer.writeBytes(body)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
    }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}

/// Hands out distinct connection ids (the engine's round-robin tells connections apart by them).
final class ConnectionCounter: Sendable {
    private let last = Atomic<ConnectionID>(0)
    func next() -> ConnectionID { last.wrappingAdd(1, ordering: .relaxed).newValue }
}

/// A flag that can be claimed once, from any thread.
final class OnceFlag: Sendable {
    private let claimed = Atomic<Bool>(false)
    func claim() -> Bool { claimed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged }
}

/// Resumes a continuation exactly once with the first value offered, before or after `set`.
final class OnceContinuation: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Bool, Never>?
        var result: Bool?
    }
    private let state = Mutex(State())

    func set(_ c: CheckedContinuation<Bool, Never>) {
        let result = state.withLock { state -> Bool? in
            if state.result == nil { state.continuation = c }
            return state.result
        }
        if let result { c.resume(returning: result) }
    }

    /// The continuation is resumed outside the lock.
    func resume(_ value: Bool) {
        let c = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard state.result == nil else { return nil }
            state.result = value
            defer { state.continuation = nil }
            return state.continuation
        }
        c?.resume(returning: value)
    }
}
