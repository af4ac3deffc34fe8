import Foundation

/// A BERT WordPiece tokenizer (KLUE-BERT, KcBERT, multilingual BERT, MiniLM) with the behaviour of
/// HF tokenizers' BertWordPieceTokenizer, built from the same stages: special tokens split out of
/// the raw text → BertNormalizer → BertPreTokenizer → WordPieceModel → BertPostProcessor. Offsets
/// are code points of the original text. Immutable after init, so one instance serves many threads.
public final class WordPieceTokenizer: Sendable {
    public static let vocabFileName = "vocab.txt"
    public static let configFileName = "tokenizer_config.json"

    public let lowercase: Bool
    public let stripAccents: Bool
    public let clsId: Int
    public let sepId: Int
    public let unkId: Int
    public let padId: Int

    private let normalizer: BertNormalizer
    private let model: WordPieceModel
    private let postProcessor: BertPostProcessor
    private let splitter: SpecialTokenSplitter
    /// (token, id) of each special token, in the splitter's order.
    private let specials: [(token: String, id: Int)]

    /// Loads `vocab.txt` and, when present, `tokenizer_config.json` (do_lower_case, strip_accents,
    /// tokenize_chinese_chars and the special tokens' spellings; transformers' BertTokenizer defaults
    /// otherwise: lower-cased, accents stripped with it, CJK spacing on).
    public convenience init(directory: String) throws {
        let vocabPath = (directory as NSString).appendingPathComponent(Self.vocabFileName)
        let configPath = (directory as NSString).appendingPathComponent(Self.configFileName)
        guard let vocabData = FileManager.default.contents(atPath: vocabPath) else {
            throw TokenizerError("\(vocabPath): cannot read the vocabulary")
        }
        guard let vocabText = String(data: vocabData, encoding: .utf8) else {
            throw TokenizerError("\(vocabPath): not valid UTF-8")
        }
        var config: [String: Any] = [:]
        if let configData = FileManager.default.contents(atPath: configPath) {
            guard let object = try? JSONSerialization.jsonObject(with: configData) as? [String: Any] else {
                throw TokenizerError("\(configPath): not a JSON object")
            }
            config = object
        }
        try self.init(vocabText: vocabText, config: config, vocabSource: vocabPath, configSource: configPath)
    }

    /// `config` holds tokenizer_config.json's keys; a key of the wrong type is an error naming it.
    public init(vocabText: String, config: [String: Any], vocabSource: String = vocabFileName,
                configSource: String = configFileName) throws {
        func flag(_ key: String, default value: Bool?) throws -> Bool? {
            guard let raw = config[key], !(raw is NSNull) else { return value }
            guard let value = raw as? Bool else {
                throw TokenizerError("\(configSource): \(key) must be true, false or null")
            }
            return value
        }
        func token(_ key: String, default value: String) throws -> String {
            guard let raw = config[key], !(raw is NSNull) else { return value }
            if let text = raw as? String { return text }
            if let object = raw as? [String: Any], let text = object["content"] as? String { return text }   // AddedToken form
            throw TokenizerError("\(configSource): \(key) must be a string")
        }
        let lowercase = try flag("do_lower_case", default: true)!
        let stripAccents = try flag("strip_accents", default: nil) ?? lowercase   // null follows lowercase
        let chinese = try flag("tokenize_chinese_chars", default: true)!
        guard try flag("do_basic_tokenize", default: true)! else {
            // Without basic tokenization transformers skips the normalizer and splitter; not built here.
            throw TokenizerError("\(configSource): do_basic_tokenize=false is not supported")
        }
        self.lowercase = lowercase
        self.stripAccents = stripAccents
        normalizer = BertNormalizer(cleanText: true, handleChineseChars: chinese, stripAccents: stripAccents, lowercase: lowercase)

        let vocabulary = WordPieceVocabulary(text: vocabText)
        let unk = try token("unk_token", default: "[UNK]")
        let sep = try token("sep_token", default: "[SEP]")
        let cls = try token("cls_token", default: "[CLS]")
        let pad = try token("pad_token", default: "[PAD]")
        let mask = try token("mask_token", default: "[MASK]")
        model = try WordPieceModel(vocabulary: vocabulary, unknownToken: unk, source: vocabSource)
        guard let sepId = vocabulary.ids[sep] else { throw TokenizerError("\(vocabSource): no \(sep) line") }
        guard let clsId = vocabulary.ids[cls] else { throw TokenizerError("\(vocabSource): no \(cls) line") }
        self.sepId = sepId
        self.clsId = clsId
        unkId = model.unknownId
        padId = vocabulary.ids[pad] ?? model.unknownId
        postProcessor = BertPostProcessor(classifier: (cls, clsId), separator: (sep, sepId))
        // Like BertWordPieceTokenizer: each special the vocabulary has is matched in the raw text.
        let present = [unk, sep, cls, pad, mask].compactMap { name in vocabulary.ids[name].map { (token: name, id: $0) } }
        specials = present
        splitter = SpecialTokenSplitter(tokens: present.map(\.token))
    }

    public var vocabularySize: Int { model.pieces.count }

    public func token(forId id: Int) -> String? { model.pieces.indices.contains(id) ? model.pieces[id] : nil }

    /// The pieces of `text` (no [CLS]/[SEP] added), each with its id and original span.
    public func tokenize(_ text: String) -> [TokenPiece] {
        splitter.tokenize(text, specials: specials) { buffer, range, output in
            var normalized = AlignedScalars(reservingCapacity: range.count + 8)
            normalizer.normalize(buffer, range, into: &normalized)
            for word in BertPreTokenizer.words(normalized) {
                model.tokenize(normalized, word, into: &output)
            }
        }
    }

    /// `[CLS] A [SEP]` (or `[CLS] A [SEP] B [SEP]`), at most `maxLength` tokens.
    public func encode(_ text: String, pair: String? = nil, maxLength: Int = 512) -> Encoding {
        postProcessor.process(tokenize(text), pair.map(tokenize), maxLength: maxLength)
    }
}
