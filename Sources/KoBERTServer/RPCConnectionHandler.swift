import Foundation
import KoBERTProtocol
import Logging
import NIOCore
import NIOExtras

/// One client connection: decodes JSON-RPC from frames, dispatches, and writes responses in
/// completion order (pipelined requests may be answered out of order; ids tell them apart).
///
/// - Bad JSON or a bad request: an error with `id: null`; the connection stays open.
/// - A frame over the limit: `inputTooLarge`, then close once in-flight requests are answered.
/// - Backpressure: it stops asking the socket for more at `maxInFlight` unanswered requests,
///   at `maxHeldBytes` of requests read but unanswered plus answers not yet sent, or while the
///   socket is not writable (the client does not read its answers).
/// - Answers: one over `maxFrameBytes` is replaced by `inputTooLarge` (same id).
/// - Per-uid cap: a peer uid holding `uidLimit.limit` connections already gets `overloaded`
///   and is closed.
/// - Quiesce (SIGTERM): later requests get `shuttingDown`; the connection closes when the
///   in-flight ones are answered.
/// - Timeouts: a half frame with no byte received for the read timeout (the IdleStateHandler
///   sits before the frame decoder, so every byte counts), or no traffic for the idle timeout
///   while nothing is in flight, closes the connection. Not while reading is paused by us.
final class RPCConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What a connection may hold and how long it may stay quiet.
    struct Limits {
        var maxInFlight: Int
        var maxHeldBytes: Int
        var maxFrameBytes: Int
        var idleTimeoutSeconds: Double
    }

    private let dispatcher: RequestDispatcher
    private let progress: FrameProgress
    private let policy: PeerPolicy
    private let uidLimit: UIDConnectionLimit
    private let connectionID: ConnectionID
    private let maxInFlight: Int
    private let maxHeldBytes: Int
    private let maxFrameBytes: Int
    private let idleTimeoutNanoseconds: UInt64
    private var logger: Logger
    private var context: ChannelHandlerContext?
    private var inFlight = 0
    /// Bytes of requests read and not yet answered, plus answers written but not yet sent.
    private var heldBytes = 0
    private var readPending = false
    private var closingAfterInFlight = false
    private var quiescing = false
    private var lastActivity = DispatchTime.now().uptimeNanoseconds
    private var lastWrite: EventLoopFuture<Void>?

    init(dispatcher: RequestDispatcher, progress: FrameProgress, policy: PeerPolicy, uidLimit: UIDConnectionLimit,
         connectionID: ConnectionID, limits: Limits, logger: Logger) {
        self.dispatcher = dispatcher; self.progress = progress; self.policy = policy
        self.uidLimit = uidLimit; self.connectionID = connectionID
        self.maxInFlight = max(1, limits.maxInFlight); self.maxHeldBytes = max(1, limits.maxHeldBytes)
        self.maxFrameBytes = limits.maxFrameBytes
        self.idleTimeoutNanoseconds = UInt64(OptionLimits.nanoseconds(seconds: limits.idleTimeoutSeconds))
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelActive(context: ChannelHandlerContext) {
        // On this channel's loop (its future's), so the callback may use the handler's state.
        PeerCredentials.of(context.channel).assumeIsolated().whenSuccess { [self] peer in
            logger[metadataKey: "peer"] = "\(peer.map(\.description) ?? "unknown")"
            guard policy.allows(peer) else {
                logger.warning("connection refused: peer not in the allow-list")
                sendError(RPCError(.forbidden, "this uid/gid may not use kobertd"), id: .null)
                closeNow()
                return
            }
            let uid = peer?.uid
            guard uidLimit.tryOpen(uid: uid) else {
                let who = uid.map { "uid \($0)" } ?? "peers of unknown uid"
                logger.warning("connection refused: \(who) already holds \(uidLimit.limit) connections")
                dispatcher.stats.recordRejectedConnection()
                sendError(RPCError(.overloaded, "too many connections from \(who) (limit \(uidLimit.limit), max-connections-per-uid)"),
                          id: .null)
                closeAll()
                return
            }
            context.channel.closeFuture.whenComplete { [uidLimit] _ in uidLimit.release(uid: uid) }
            logger.info("connection opened")
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        logger.debug("connection closed", metadata: ["unanswered": "\(inFlight)"])
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastActivity = DispatchTime.now().uptimeNanoseconds
        guard !closingAfterInFlight else { return }
        let frame = unwrapInboundIn(data)
        if frame.readableBytes == 0 {
            sendError(RPCError(.invalidRequest, "empty frame (length 0)"), id: .null)
            return
        }
        let request: RPCRequest
        switch frame.withUnsafeReadableBytes({ RPCRequest.decode(frameBody: $0) }) {
        case .failure(let failure): sendError(failure.error, id: failure.id); return
        case .success(let r): request = r
        }
        if quiescing {
            if let id = request.id { sendError(RPCError(.shuttingDown, "kobertd is shutting down"), id: id) }
            return
        }
        inFlight += 1
        let requestBytes = Frame.headerLength + frame.readableBytes
        heldBytes += requestBytes
        let loop = context.eventLoop
        // The completion may run on any thread; the handler is reached only back on its loop.
        let handler = NIOLoopBound(self, eventLoop: loop)
        dispatcher.dispatch(request, from: connectionID) { outcome in
            loop.execute { handler.value.finish(request, requestBytes: requestBytes, outcome) }
        }
    }

    private func finish(_ request: RPCRequest, requestBytes: Int, _ outcome: Result<JSONValue, RPCError>) {
        inFlight -= 1
        heldBytes -= requestBytes
        if let id = request.id {
            switch outcome {
            case .success(let result): write(RPCResponse(id: id, result: result))
            case .failure(let error): write(RPCResponse(id: id, error: error))
            }
        } else {
            dispatcher.stats.recordNotification()
        }
        resumeReadingIfAllowed()
        if inFlight == 0 && (quiescing || closingAfterInFlight) { closeNow() }
    }

    /// Reading pauses while too many requests are unanswered or while the client does not read
    /// its answers (the socket is not writable), so a client that only writes cannot make the
    /// daemon queue responses without bound.
    func read(context: ChannelHandlerContext) {
        if mayRead(context) { context.read() } else { readPending = true }
    }

    private func mayRead(_ context: ChannelHandlerContext) -> Bool {
        inFlight < maxInFlight && heldBytes < maxHeldBytes && !closingAfterInFlight && context.channel.isWritable
    }

    private func resumeReadingIfAllowed() {
        guard readPending, let context, mayRead(context) else { return }
        readPending = false
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        resumeReadingIfAllowed()
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let channelEvent = event as? ChannelEvent, channelEvent == .inputClosed {
            // The client shut down its sending side: answer what it sent, then close.
            closingAfterInFlight = true
            if inFlight == 0 { closeNow() }
        } else if event is ChannelShouldQuiesceEvent {
            quiescing = true
            if inFlight == 0 { closeNow() }
        } else if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            let quietFor = DispatchTime.now().uptimeNanoseconds - lastActivity
            if progress.partialFrame && !readPending {
                logger.info("read timeout: half a frame and then nothing; closing")
                closeNow()
            } else if inFlight == 0 && quietFor >= idleTimeoutNanoseconds {
                logger.debug("idle timeout; closing")
                closeNow()
            }
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let tooLarge = error as? FrameTooLargeError {
            logger.warning("frame of \(tooLarge.length) bytes is over the \(tooLarge.limit)-byte limit; closing")
            sendError(RPCError(.inputTooLarge, "frame length \(tooLarge.length) is over the limit of \(tooLarge.limit) bytes",
                               data: ["limit": .int(Int64(tooLarge.limit))]), id: .null)
            closingAfterInFlight = true
            if inFlight == 0 { closeNow() }
        } else if let io = error as? IOError, io.errnoCode == ECONNRESET || io.errnoCode == EPIPE {
            closeNow()
        } else {
            logger.info("connection error: \(error); closing")
            closeNow()
        }
    }

    // MARK: Writing

    private func sendError(_ error: RPCError, id: JSONValue) {
        dispatcher.stats.recordError(error)
        write(RPCResponse(id: id, error: error))
    }

    private func write(_ response: RPCResponse) {
        guard let context, context.channel.isActive else { return }
        lastActivity = DispatchTime.now().uptimeNanoseconds
        var body = response.serialized()
        if body.count > maxFrameBytes {
            // Frames are bounded both ways: a client may size its buffer by the same limit.
            let error = RPCError(.inputTooLarge, "the answer would be \(body.count) bytes, over the \(maxFrameBytes)-byte frame limit (max-frame-bytes); send fewer or shorter texts",
                                 data: ["limit": .int(Int64(maxFrameBytes)), "answer_bytes": .int(Int64(body.count))])
            dispatcher.stats.recordError(error)
            body = RPCResponse(id: response.id, error: error).serialized()
        }
        let size = Frame.headerLength + body.count
        var buffer = context.channel.allocator.buffer(capacity: body.count)
        buffer.writeBytes(body)
        heldBytes += size
        let write = context.writeAndFlush(wrapOutboundOut(buffer))
        write.assumeIsolated().whenComplete { [self] _ in
            heldBytes -= size
            resumeReadingIfAllowed()
        }
        lastWrite = write
    }

    /// Closes once the last response has left and ignores the rest of the input (a refused
    /// connection must not have its requests served while its refusal is on the way).
    private func closeAll() {
        closingAfterInFlight = true
        closeNow()
    }

    /// Closes once the last response has left, so an error sent just before closing arrives.
    private func closeNow() {
        guard let context, context.channel.isActive else { return }
        let channel = context.channel
        if let lastWrite { lastWrite.whenComplete { _ in channel.close(promise: nil) } } else { channel.close(promise: nil) }
    }
}
