import Foundation

/// Which tokenizer a model folder holds. KoBERT's SentencePiece file wins whenever it is there, so
/// KoBERT folders load exactly as before; a folder with only vocab.txt is BERT WordPiece.
public enum TokenizerFolderKind: Equatable, Sendable {
    case koBertSentencePiece
    case wordPiece

    public static func detect(directory: String) -> TokenizerFolderKind {
        let manager = FileManager.default
        let model = (directory as NSString).appendingPathComponent(KoBertTokenizer.modelFileName)
        let vocab = (directory as NSString).appendingPathComponent(WordPieceTokenizer.vocabFileName)
        if !manager.fileExists(atPath: model) && manager.fileExists(atPath: vocab) { return .wordPiece }
        return .koBertSentencePiece   // its loader names what is missing
    }
}
