import Foundation

/// The KoBERT / DistilKoBERT tokenizer with the behaviour of `kobert_transformers.KoBertTokenizer`
/// (on transformers' PreTrainedTokenizer): special tokens split out of the raw text → preprocess_text
/// → SentencePiece → the digit-comma rule → ids from vocab.txt. Every piece carries the span of the
/// original text it came from. Immutable after init, so one instance serves many threads.
public final class KoBertTokenizer: Sendable {
    public static let modelFileName = "tokenizer_78b3253a26.model"
    public static let vocabFileName = "vocab.txt"
    public static let specialTokens = (unknown: "[UNK]", separator: "[SEP]", padding: "[PAD]", classifier: "[CLS]", mask: "[MASK]")

    public let modelBytes: [UInt8]
    public let vocabText: String
    public let lowercase: Bool
    public let unkId: Int
    public let sepId: Int
    public let padId: Int
    public let clsId: Int
    public let maskId: Int
    public let sentencePiece: SentencePieceProcessor

    private let vocabulary: Vocabulary
    private let preprocessor: KoBertPreprocessor
    private let splitter: SpecialTokenSplitter
    /// (token, id) of each special token, in the splitter's order.
    private let specials: [(token: String, id: Int)]
    /// vocab.txt id of each SentencePiece piece (pieces are looked up by text once, here).
    private let vocabIdOfPiece: [Int]

    /// Loads `tokenizer_78b3253a26.model` and `vocab.txt` from a model folder.
    public convenience init(directory: String, lowercase: Bool = false) throws {
        let modelPath = (directory as NSString).appendingPathComponent(Self.modelFileName)
        let vocabPath = (directory as NSString).appendingPathComponent(Self.vocabFileName)
        guard let model = FileManager.default.contents(atPath: modelPath) else {
            throw TokenizerError("\(modelPath): cannot read the SentencePiece model")
        }
        guard let vocabData = FileManager.default.contents(atPath: vocabPath) else {
            throw TokenizerError("\(vocabPath): cannot read the vocabulary")
        }
        guard let vocab = String(data: vocabData, encoding: .utf8) else {
            throw TokenizerError("\(vocabPath): not valid UTF-8")
        }
        try self.init(sentencePieceModel: [UInt8](model), vocabText: vocab, lowercase: lowercase,
                      modelSource: modelPath, vocabSource: vocabPath)
    }

    public convenience init(sentencePieceModel: [UInt8], vocabText: String, lowercase: Bool = false) throws {
        try self.init(sentencePieceModel: sentencePieceModel, vocabText: vocabText, lowercase: lowercase,
                      modelSource: Self.modelFileName, vocabSource: Self.vocabFileName)
    }

    public init(sentencePieceModel: [UInt8], vocabText: String, lowercase: Bool,
                modelSource: String, vocabSource: String) throws {
        modelBytes = sentencePieceModel
        self.vocabText = vocabText
        self.lowercase = lowercase
        let sentencePiece = try SentencePieceProcessor(bytes: sentencePieceModel, source: modelSource)
        let vocabulary = try Vocabulary(text: vocabText, source: vocabSource)
        self.sentencePiece = sentencePiece
        self.vocabulary = vocabulary
        preprocessor = KoBertPreprocessor(lowercase: lowercase, keepHangulSyllables: sentencePiece.recomposesHangul())
        let names = Self.specialTokens
        unkId = vocabulary.unknownId
        sepId = vocabulary.id(names.separator)
        padId = vocabulary.id(names.padding)
        clsId = vocabulary.id(names.classifier)
        maskId = vocabulary.id(names.mask)
        specials = [(names.unknown, unkId), (names.separator, sepId), (names.padding, padId),
                    (names.classifier, clsId), (names.mask, maskId)]
        splitter = SpecialTokenSplitter(tokens: specials.map(\.token))
        vocabIdOfPiece = sentencePiece.pieceTexts.map { vocabulary.id($0) }
    }

    public var vocabularySize: Int { vocabulary.tokens.count }

    /// convert_tokens_to_ids for one token ([UNK] when absent).
    public func id(forToken token: String) -> Int { vocabulary.id(token) }

    /// convert_ids_to_tokens for one id (nil when out of range).
    public func token(forId id: Int) -> String? {
        id >= 0 && id < vocabulary.tokens.count ? vocabulary.tokens[id] : nil
    }

    /// KoBertTokenizer.tokenize(text) with ids and offsets; no [CLS]/[SEP] added (special tokens
    /// written in the text are kept whole).
    public func tokenize(_ text: String) -> [TokenPiece] {
        splitter.tokenize(text, specials: specials) { original, range, output in tokenizeText(original, range, into: &output) }
    }

    /// _tokenize: preprocess_text → SentencePiece → the digit-comma rule.
    private func tokenizeText(_ original: UnsafeBufferPointer<UInt32>, _ range: Range<Int>, into output: inout [TokenPiece]) {
        let preprocessed = preprocessor.preprocess(original, range)
        if preprocessed.isEmpty { return }
        let (normalized, segments) = sentencePiece.encode(preprocessed)
        for segment in segments {
            let bytes = normalized.bytes[segment.start..<segment.end]
            if DigitCommaRule.applies(bytes) {
                splitDigitComma(normalized, segment, into: &output)
                continue
            }
            let span = normalized.originalSpan(segment.start..<segment.end)
            let piece = sentencePiece.pieceText(segment, in: normalized)
            let id = segment.id == sentencePiece.unknownId ? vocabulary.id(piece) : vocabIdOfPiece[segment.id]
            output.append(TokenPiece(piece: piece, id: id, start: span.start, end: span.end))
        }
    }

    private func splitDigitComma(_ normalized: AlignedText, _ segment: Segment, into output: inout [TokenPiece]) {
        let input = DigitCommaRule.reencodingInput(normalized, segment.start..<(segment.end))
        let (subNormalized, subSegments) = sentencePiece.encode(input)
        let startsWithSpace = segment.end - segment.start >= 3
            && normalized.bytes[segment.start] == spaceSymbolBytes.0
            && normalized.bytes[segment.start + 1] == spaceSymbolBytes.1
            && normalized.bytes[segment.start + 2] == spaceSymbolBytes.2
        for (k, sub) in subSegments.enumerated() {
            var piece = sentencePiece.pieceText(sub, in: subNormalized)
            var bytes = sub.start..<sub.end
            if k == 0 && !startsWithSpace && piece.unicodeScalars.first == "\u{2581}" {
                if piece.unicodeScalars.count == 1 { continue }
                piece = String(piece.unicodeScalars.dropFirst())
                bytes = min(sub.start + 3, sub.end)..<sub.end
            }
            let span = subNormalized.originalSpan(bytes)
            output.append(TokenPiece(piece: piece, id: vocabulary.id(piece), start: span.start, end: span.end))
        }
        let comma = normalized.originalSpan((segment.end - 1)..<segment.end)
        output.append(TokenPiece(piece: ",", id: vocabulary.id(","), start: comma.start, end: comma.end))
    }

    /// `[CLS] A [SEP]` (or `[CLS] A [SEP] B [SEP]`), truncated to `maxLength` tokens the way
    /// transformers does with truncation=True (longest_first).
    public func encode(_ text: String, pair: String? = nil, maxLength: Int = 512) -> Encoding {
        var first = tokenize(text)
        var second = pair.map(tokenize)
        let specialsCount = second == nil ? 2 : 3
        let total = first.count + (second?.count ?? 0) + specialsCount
        let remove = total - maxLength
        if remove > 0 {
            if second == nil {
                first.removeLast(min(remove, first.count))
            } else {
                let lengthA = first.count, lengthB = second!.count
                let firstRemove = min(abs(lengthB - lengthA), remove)
                let secondRemove = remove - firstRemove
                let fromA: Int, fromB: Int
                if lengthA > lengthB {
                    fromA = firstRemove + secondRemove / 2
                    fromB = secondRemove - secondRemove / 2
                } else {
                    fromA = secondRemove / 2
                    fromB = firstRemove + secondRemove - secondRemove / 2
                }
                first.removeLast(min(fromA, first.count))
                second!.removeLast(min(fromB, second!.count))
            }
        }
        var ids = [clsId], typeIds = [0], pieces = [Self.specialTokens.classifier]
        var offsets: [(start: Int, end: Int)?] = [nil]
        func add(_ tokens: [TokenPiece], type: Int) {
            for token in tokens {
                ids.append(token.id); typeIds.append(type); pieces.append(token.piece)
                offsets.append((token.start, token.end))
            }
            ids.append(sepId); typeIds.append(type); pieces.append(Self.specialTokens.separator); offsets.append(nil)
        }
        add(first, type: 0)
        if let second { add(second, type: 1) }
        return Encoding(ids: ids, typeIds: typeIds, pieces: pieces, offsets: offsets, truncated: remove > 0)
    }
}
