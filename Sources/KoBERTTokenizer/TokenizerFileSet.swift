import Foundation

/// A tokenizer's files as bytes, by name: what a model folder holds and what a packed model carries
/// verbatim, so a packed tokenizer is built by the same loaders, from the same bytes, as the folder's.
public struct TokenizerFileSet: Sendable {
    public struct File: Sendable {
        public let name: String
        public let bytes: [UInt8]
        public init(name: String, bytes: [UInt8]) { self.name = name; self.bytes = bytes }
    }

    public let kind: TokenizerFolderKind
    public let files: [File]

    /// The files each kind reads, required first; the rest are read when present.
    public static func fileNames(_ kind: TokenizerFolderKind) -> (required: [String], optional: [String]) {
        switch kind {
        case .koBertSentencePiece: return ([KoBertTokenizer.modelFileName, KoBertTokenizer.vocabFileName], [])
        case .wordPiece: return ([WordPieceTokenizer.vocabFileName], [WordPieceTokenizer.configFileName])
        case .tokenizerJSON: return ([HFTokenizer.fileName], [])
        }
    }

    /// Checks that `files` are the kind's: each required one present, no name twice, no other name.
    public init(kind: TokenizerFolderKind, files: [File]) throws {
        let (required, optional) = Self.fileNames(kind)
        let names = files.map(\.name)
        guard Set(names).count == names.count else { throw TokenizerError("tokenizer files: a name appears twice in \(names)") }
        if let missing = required.first(where: { !names.contains($0) }) {
            throw TokenizerError("tokenizer files: \(kind.manifestName) needs \(missing)")
        }
        if let stray = names.first(where: { !required.contains($0) && !optional.contains($0) }) {
            throw TokenizerError("tokenizer files: \(stray) is not a \(kind.manifestName) file (\((required + optional).joined(separator: ", ")))")
        }
        self.kind = kind; self.files = files
    }

    /// The tokenizer files a folder holds (TokenizerFolderKind picks the kind), or nil when the kind's
    /// required files are not all there.
    public static func read(directory: String) throws -> TokenizerFileSet? {
        let kind = TokenizerFolderKind.detect(directory: directory)
        let (required, optional) = fileNames(kind)
        var files: [File] = []
        for name in required + optional {
            let path = (directory as NSString).appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: path) else {
                if required.contains(name) { return nil }
                continue
            }
            guard let data = FileManager.default.contents(atPath: path) else { throw TokenizerError("\(path): cannot read") }
            files.append(File(name: name, bytes: [UInt8](data)))
        }
        return try TokenizerFileSet(kind: kind, files: files)
    }

    public func bytes(_ name: String) -> [UInt8]? { files.first { $0.name == name }?.bytes }

    /// Builds the tokenizer; `lowercase` is KoBERT's do_lower_case (the other kinds carry their own).
    /// `source` names the origin in error messages (a folder or a packed file).
    public func load(lowercase: Bool = false, source: String) throws -> any TextTokenizer {
        func text(_ name: String) throws -> String? {
            guard let bytes = bytes(name) else { return nil }
            guard let text = String(bytes: bytes, encoding: .utf8) else { throw TokenizerError("\(source)/\(name): not valid UTF-8") }
            return text
        }
        switch kind {
        case .koBertSentencePiece:
            return try KoBertTokenizer(sentencePieceModel: bytes(KoBertTokenizer.modelFileName)!,
                                       vocabText: try text(KoBertTokenizer.vocabFileName)!, lowercase: lowercase,
                                       modelSource: source + "/" + KoBertTokenizer.modelFileName,
                                       vocabSource: source + "/" + KoBertTokenizer.vocabFileName)
        case .wordPiece:
            var config: [String: Any] = [:]
            let configSource = source + "/" + WordPieceTokenizer.configFileName
            if let bytes = bytes(WordPieceTokenizer.configFileName) {
                guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
                    throw TokenizerError("\(configSource): not a JSON object")
                }
                config = object
            }
            return try WordPieceTokenizer(vocabText: try text(WordPieceTokenizer.vocabFileName)!, config: config,
                                          vocabSource: source + "/" + WordPieceTokenizer.vocabFileName, configSource: configSource)
        case .tokenizerJSON:
            return try HFTokenizer(bytes: bytes(HFTokenizer.fileName)!, source: source + "/" + HFTokenizer.fileName)
        }
    }
}

extension TokenizerFolderKind {
    /// The kind's name in a packed model's manifest (FORMAT.md; KoBERTFormat's `PackedTokenizer.kinds` lists the same).
    public var manifestName: String {
        switch self {
        case .koBertSentencePiece: return "kobert-sentencepiece"
        case .wordPiece: return "wordpiece"
        case .tokenizerJSON: return "tokenizer.json"
        }
    }

    public init?(manifestName: String) {
        guard let kind = [TokenizerFolderKind.koBertSentencePiece, .wordPiece, .tokenizerJSON].first(where: { $0.manifestName == manifestName })
        else { return nil }
        self = kind
    }
}
