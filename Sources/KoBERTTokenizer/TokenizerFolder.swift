import Foundation

/// Which tokenizer a model folder holds. KoBERT's SentencePiece file wins whenever it is there, so
/// KoBERT folders load exactly as before; otherwise a tokenizer.json is read (HF tokenizers' own
/// file), and a folder with only vocab.txt is BERT WordPiece.
public enum TokenizerFolderKind: Equatable, Sendable {
    case koBertSentencePiece
    case wordPiece
    case tokenizerJSON

    public static func detect(directory: String) -> TokenizerFolderKind {
        let manager = FileManager.default
        let model = (directory as NSString).appendingPathComponent(KoBertTokenizer.modelFileName)
        let vocab = (directory as NSString).appendingPathComponent(WordPieceTokenizer.vocabFileName)
        let json = (directory as NSString).appendingPathComponent(HFTokenizer.fileName)
        if manager.fileExists(atPath: model) { return .koBertSentencePiece }
        if manager.fileExists(atPath: json) { return .tokenizerJSON }
        if manager.fileExists(atPath: vocab) { return .wordPiece }
        return .koBertSentencePiece   // its loader names what is missing
    }
}
