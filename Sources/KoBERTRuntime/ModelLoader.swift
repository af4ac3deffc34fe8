import Foundation
import KoBERTCheckpoint
import KoBERTCore
import KoBERTModel
import KoBERTTokenizer
import KoBERTKernels
import KoBERTFormat

/// One entry point from a path to a ready Predictor: a folder is a Hugging Face checkpoint
/// (fp32, the oracle); a file is a packed model (int8 or float, as it was packed).
public enum ModelLoader {
    public static let tokenizerModelName = KoBertTokenizer.modelFileName

    /// Where the tools look for a tokenizer when none is named: `models/tokenizer` under the working
    /// directory, when it holds the tokenizer files. The one place that knows this convention.
    public static var defaultTokenizerDirectory: String? {
        let directory = "models/tokenizer"
        let files = [directory + "/" + tokenizerModelName, directory + "/vocab.txt"]
        return files.allSatisfy { FileManager.default.fileExists(atPath: $0) } ? directory : nil
    }

    /// `task: nil` takes the packed file's task, or infers a folder's (TaskInference: config.json's
    /// architectures, else the head tensors). A task the weights contradict is an error.
    /// `tokenizerDirectory` is used only when the model carries no tokenizer of its own.
    public static func load(path: String, task: ModelTask? = nil, threads: Int = 2,
                            tokenizerDirectory: String? = nil) throws -> Predictor {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw KoBERTError("\(path): no such file or folder")
        }
        if isDirectory.boolValue {
            let checkpoint = try Checkpoint.load(directory: path)
            let weights = CheckpointWeights(config: checkpoint.config, tensors: checkpoint.tensors, source: path)
            let tokenizer = fitting(try folderTokenizer(path) ?? tokenizerDirectory.flatMap { try folderTokenizer($0) },
                                        checkpoint.config)
            return try Predictor(weights: weights, task: task ?? TaskInference.infer(weights),
                                 tokenizer: tokenizer, threads: threads)
        }
        return try loadPacked(path: path, task: task, threads: threads, tokenizerDirectory: tokenizerDirectory)
    }

    public static func loadPacked(path: String, task: ModelTask?, threads: Int = 2,
                                  tokenizerDirectory: String? = nil) throws -> Predictor {
        let file = try PackFile(path: path)
        _ = try packedTask(file, asked: task)   // before the tokenizer and weights are read
        var tokenizer: (any TextTokenizer)? = nil
        if let packed = file.manifest.tokenizer {
            do {
                tokenizer = try packedTokenizerFiles(packed, in: file).load(lowercase: packed.lowercase, source: path)
            } catch {
                throw KoBERTError("\(path): the packed tokenizer does not load: \(error)")
            }
        } else if let tokenizerDirectory {
            tokenizer = fitting(try folderTokenizer(tokenizerDirectory), file.manifest.config)
        }
        let predictor = try packedPredictor(file, task: task, tokenizer: tokenizer, threads: threads)
        HeapTrim.releaseFreedPages()
        return predictor
    }

    /// A packed tokenizer's files, read and checked (each blob's CRC; the names its kind reads).
    static func packedTokenizerFiles(_ packed: PackedTokenizer, in file: PackFile) throws -> TokenizerFileSet {
        guard let kind = TokenizerFolderKind(manifestName: packed.kindName) else {
            throw KoBERTError("\(file.path): unknown tokenizer kind \"\(packed.kindName)\"")
        }
        if kind == .koBertSentencePiece, let model = packed.model, let vocab = packed.vocab {
            return try TokenizerFileSet(kind: kind, files: [
                .init(name: KoBertTokenizer.modelFileName, bytes: try file.blobBytes(model, what: "tokenizer model")),
                .init(name: KoBertTokenizer.vocabFileName, bytes: try file.blobBytes(vocab, what: "tokenizer vocab")),
            ])
        }
        return try TokenizerFileSet(kind: kind, files: (packed.files ?? []).map {
            .init(name: $0.name, bytes: try file.blobBytes($0.data, what: "tokenizer file \($0.name)"))
        })
    }

    /// The manifest's task, refusing an unknown one or one other than `asked`.
    static func packedTask(_ file: PackFile, asked: ModelTask?) throws -> ModelTask {
        guard let packed = ModelTask(rawValue: file.manifest.task) else {
            throw KoBERTError("\(file.path): unknown task \"\(file.manifest.task)\" in the manifest")
        }
        if let asked, asked != packed {
            throw KoBERTError("\(file.path): this model was packed for --task \(packed.rawValue), not \(asked.rawValue)")
        }
        return packed
    }

    /// The encoder and head of an opened packed file, with the checks that need them built
    /// (head tensors fit the task, labels name the classifier's rows).
    static func packedPredictor(_ file: PackFile, task: ModelTask?, tokenizer: (any TextTokenizer)?, threads: Int) throws -> Predictor {
        let packed = try packedTask(file, asked: task)
        let weights = try PackedWeights(file: file, threads: threads)
        let predictor = try Predictor(weights: weights, task: packed, tokenizer: tokenizer, threads: threads)
        try checkLabels(file.manifest, predictor, path: file.path)
        return predictor
    }

    /// The tokenizer a folder holds (KoBERT's tokenizer_78b3253a26.model + vocab.txt, a tokenizer.json,
    /// or a WordPiece vocab.txt; TokenizerFolderKind decides), or nil.
    public static func folderTokenizer(_ directory: String) throws -> (any TextTokenizer)? {
        try TextTokenizerLoader.load(directory: directory)
    }

    /// Why a model loaded with `tokenizerDirectory` as fallback has no tokenizer, as one line:
    /// no folder given, the folder lacks the files, its tokenizer does not load, or its vocabulary
    /// does not match the model's (`vocabularySize` ids).
    public static func missingTokenizerReason(model: String, tokenizerDirectory: String?, vocabularySize: Int) -> String {
        guard let directory = tokenizerDirectory else {
            return "\(model) has no tokenizer and none was found in models/tokenizer; give --tokenizer DIR or use --ids"
        }
        let tokenizer: (any TextTokenizer)?
        do { tokenizer = try folderTokenizer(directory) } catch {
            return "\(directory): the tokenizer does not load: \(error); use --ids or another --tokenizer"
        }
        guard let tokenizer else {
            return "\(directory): no \(tokenizerModelName) and vocab.txt there (and \(model) has no tokenizer of its own); give --tokenizer DIR or use --ids"
        }
        if !fits(tokenizer, vocabularySize: vocabularySize) {
            return "\(directory): tokenizer has \(tokenizer.vocabularySize) ids but the model's vocabulary has \(vocabularySize); use --ids or a matching tokenizer"
        }
        return "\(model) has no tokenizer; give --tokenizer DIR or use --ids"
    }

    /// A fallback tokenizer whose vocabulary is not the model's would produce wrong ids: leave it out
    /// (text input then fails with a clear message; token ids still work).
    static func fitting(_ tokenizer: (any TextTokenizer)?, _ config: ModelConfig) -> (any TextTokenizer)? {
        guard let tokenizer, fits(tokenizer, vocabularySize: config.vocabSize) else { return nil }
        return tokenizer
    }

    /// KoBERT's vocabulary must be the model's exactly; a tokenizer.json or WordPiece vocabulary may list
    /// fewer ids than the embedding has rows (multilingual-e5: 250,002 pieces, 250,037 rows), never more.
    package static func fits(_ tokenizer: any TextTokenizer, vocabularySize: Int) -> Bool {
        tokenizer.requiresExactVocabulary ? tokenizer.vocabularySize == vocabularySize : tokenizer.vocabularySize <= vocabularySize
    }

    /// A classifier's packed label list must name each of its rows, as its config's id2label does.
    static func checkLabels(_ manifest: PackManifest, _ predictor: Predictor, path: String) throws {
        guard predictor.task == .nsmc || predictor.task == .ner else { return }
        guard manifest.labels.count == predictor.labels.count else {
            throw KoBERTError("\(path): the manifest has \(manifest.labels.count) labels but the classifier has \(predictor.labels.count) rows")
        }
        guard manifest.labels == predictor.labels else {
            throw KoBERTError("\(path): the manifest's labels \(manifest.labels.prefix(8)) differ from its config's id2label")
        }
    }
}
