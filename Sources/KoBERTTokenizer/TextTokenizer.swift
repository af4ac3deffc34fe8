import Foundation

/// What the runtime needs of a tokenizer for text input, whatever its kind: KoBERT's SentencePiece layer,
/// BERT WordPiece from vocab.txt, or a tokenizer.json. Ids are the model's embedding rows.
public protocol TextTokenizer: Sendable {
    /// Ids this tokenizer can produce (0..<vocabularySize).
    var vocabularySize: Int { get }
    /// The sequence-start, separator and padding ids ([CLS] [SEP] [PAD], or <s> </s> <pad>): the specials
    /// that are never a token of the text (NER and QA skip them).
    var clsId: Int { get }
    var sepId: Int { get }
    var padId: Int { get }
    /// Whether this kind's vocabulary must match the model's row count exactly (KoBERT: a different
    /// 8,002-piece vocabulary is the likely mistake) or may be smaller (tokenizer.json files often
    /// list fewer pieces than the embedding has rows).
    var requiresExactVocabulary: Bool { get }
    func token(forId id: Int) -> String?
    /// The text's pieces with ids and code-point spans, no specials added.
    func tokenize(_ text: String) -> [TokenPiece]
    /// Specials added as the model was trained with, truncated to maxLength ids.
    func encode(_ text: String, pair: String?, maxLength: Int) -> Encoding
}

extension TextTokenizer {
    public func encode(_ text: String, maxLength: Int = 512) -> Encoding { encode(text, pair: nil, maxLength: maxLength) }
}

extension KoBertTokenizer: TextTokenizer {
    public var requiresExactVocabulary: Bool { true }
}

extension WordPieceTokenizer: TextTokenizer {
    public var requiresExactVocabulary: Bool { false }
}

extension HFTokenizer: TextTokenizer {
    public var requiresExactVocabulary: Bool { false }
}

/// Loads whichever tokenizer a folder holds (TokenizerFolderKind), or nil when it holds none.
public enum TextTokenizerLoader {
    public static func load(directory: String) throws -> (any TextTokenizer)? {
        try TokenizerFileSet.read(directory: directory)?.load(source: directory)
    }
}
