import KoBERTProtocol
import NIOCore
import NIOExtras

/// Shared between the decoder and the connection handler: whether a frame has started but
/// not ended (a stalled half frame is what the read timeout drops).
final class FrameProgress {
    var partialFrame = false
}

/// A length over the limit: answered with `inputTooLarge`, then the connection closes.
struct FrameTooLargeError: Error { let length: Int; let limit: Int }

/// Peeks each 4-byte big-endian header before NIOExtras' `LengthFieldBasedFrameDecoder` sees it:
/// a length over the limit fails at once, so the body is never read into memory; otherwise the
/// inner decoder is only handed complete frames and cuts them (zero-length frames included).
final class BoundedFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    private let inner = LengthFieldBasedFrameDecoder(lengthFieldBitLength: .fourBytes, lengthFieldEndianness: .big)
    private let maximumLength: Int
    private let progress: FrameProgress

    init(maximumLength: Int, progress: FrameProgress) {
        self.maximumLength = maximumLength; self.progress = progress
    }

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: UInt32.self) else {
            progress.partialFrame = buffer.readableBytes > 0
            return .needMoreData
        }
        if Int(length) > maximumLength { throw FrameTooLargeError(length: Int(length), limit: maximumLength) }
        guard buffer.readableBytes >= Frame.headerLength + Int(length) else {
            progress.partialFrame = true
            return .needMoreData
        }
        let state = try inner.decode(context: context, buffer: &buffer)
        progress.partialFrame = buffer.readableBytes > 0
        return state
    }

    func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while case .continue = try decode(context: context, buffer: &buffer) {}
        // A truncated frame at EOF is dropped: there is nobody left to answer.
        buffer.moveReaderIndex(to: buffer.writerIndex)
        progress.partialFrame = false
        return .needMoreData
    }
}
