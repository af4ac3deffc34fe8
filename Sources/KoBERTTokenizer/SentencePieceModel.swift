/// The parts of a SentencePiece `.model` file (protobuf `ModelProto`) that encoding needs.
/// Field numbers are those of the public sentencepiece_model.proto.
public struct SentencePieceModel: Sendable {
    public enum PieceType: Int, Sendable {
        case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    public enum Algorithm: Int, Sendable {
        case unigram = 1, bpe = 2, word = 3, char = 4
    }

    public struct Piece: Sendable {
        public var text: String
        public var score: Float
        public var type: PieceType
    }

    public var pieces: [Piece] = []
    public var algorithm: Algorithm = .unigram
    public var treatWhitespaceAsSuffix = false
    public var byteFallback = false
    /// normalizer_spec: a double-array trie plus replacement strings (may be empty: no rules).
    public var precompiledCharsMap: [UInt8] = []
    public var normalizerName = ""
    public var addDummyPrefix = true
    public var removeExtraWhitespaces = true
    public var escapeWhitespaces = true

    /// Parses the bytes of a `.model` file; `source` names the file in errors.
    public init(bytes: [UInt8], source: String = "SentencePiece model") throws {
        do {
            var reader = ProtobufReader(bytes[...])
            while let (field, value) = try reader.next() {
                switch (field, value) {
                case (1, .bytes(let message)): pieces.append(try Self.parsePiece(message))
                case (2, .bytes(let message)): try parseTrainerSpec(message)
                case (3, .bytes(let message)): try parseNormalizerSpec(message)
                case (1, _), (2, _), (3, _):
                    throw ProtobufReader.Malformed(reason: "field \(field) has the wrong wire type")
                default: continue   // self_test_data, denormalizer_spec: not needed to encode
                }
            }
        } catch let error as ProtobufReader.Malformed {
            throw TokenizerError("\(source): not a SentencePiece model (\(error.reason))")
        }
        guard !pieces.isEmpty else { throw TokenizerError("\(source): not a SentencePiece model (no pieces)") }
        guard pieces.contains(where: { $0.type == .unknown }) else {
            throw TokenizerError("\(source): SentencePiece model has no unknown piece")
        }
        guard algorithm == .unigram || algorithm == .bpe else {
            throw TokenizerError("\(source): model_type \(algorithm) is not supported (unigram and BPE are)")
        }
        guard !byteFallback else { throw TokenizerError("\(source): byte_fallback models are not supported") }
    }

    private static func parsePiece(_ message: ArraySlice<UInt8>) throws -> Piece {
        var piece = Piece(text: "", score: 0, type: .normal)
        var reader = ProtobufReader(message)
        while let (field, value) = try reader.next() {
            switch (field, value) {
            case (1, .bytes(let text)):
                guard let string = String(validating: text, as: UTF8.self) else {
                    throw ProtobufReader.Malformed(reason: "a piece is not valid UTF-8")
                }
                piece.text = string
            case (2, .fixed32(let bits)): piece.score = Float(bitPattern: bits)
            case (3, .varint(let raw)):
                guard let type = PieceType(rawValue: Int(truncatingIfNeeded: raw)) else {
                    throw ProtobufReader.Malformed(reason: "unknown piece type \(raw)")
                }
                piece.type = type
            default: continue
            }
        }
        return piece
    }

    private mutating func parseTrainerSpec(_ message: ArraySlice<UInt8>) throws {
        var reader = ProtobufReader(message)
        while let (field, value) = try reader.next() {
            switch (field, value) {
            case (3, .varint(let raw)):
                guard let type = Algorithm(rawValue: Int(truncatingIfNeeded: raw)) else {
                    throw ProtobufReader.Malformed(reason: "unknown model_type \(raw)")
                }
                algorithm = type
            case (24, .varint(let raw)): treatWhitespaceAsSuffix = raw != 0
            case (35, .varint(let raw)): byteFallback = raw != 0
            default: continue
            }
        }
    }

    private mutating func parseNormalizerSpec(_ message: ArraySlice<UInt8>) throws {
        var reader = ProtobufReader(message)
        while let (field, value) = try reader.next() {
            switch (field, value) {
            case (1, .bytes(let name)): normalizerName = String(decoding: name, as: UTF8.self)
            case (2, .bytes(let blob)): precompiledCharsMap = Array(blob)
            case (3, .varint(let raw)): addDummyPrefix = raw != 0
            case (4, .varint(let raw)): removeExtraWhitespaces = raw != 0
            case (5, .varint(let raw)): escapeWhitespaces = raw != 0
            default: continue
            }
        }
    }
}
