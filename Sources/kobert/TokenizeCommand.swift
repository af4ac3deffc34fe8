import ArgumentParser
import Foundation
import KoBERTTokenizer

/// `kobert tokenize`: stdin, one text a line → stdout, one JSON object a line with the folder's
/// tokenizer's tokens (KoBertTokenizer, a tokenizer.json, or BERT WordPiece for a folder with only vocab.txt), their
/// vocab ids and code-point offsets. A line that is not UTF-8 gets an {"error": ...}
/// line of its own (the other lines still come out) and the exit status is 1.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenize stdin lines (KoBERT SentencePiece, tokenizer.json or BERT WordPiece folder): one JSON object a line (tokens, ids, offsets).")

    @Option(name: .long, help: "Folder holding tokenizer_78b3253a26.model and vocab.txt (KoBERT), a tokenizer.json (WordPiece or Unigram), or a WordPiece vocab.txt [+ tokenizer_config.json].")
    var tokenizer: String = "models/tokenizer"

    @Flag(name: .long, help: "Add [CLS] … [SEP] like encode() (their offsets are null).")
    var withSpecial = false

    @Option(name: .long, help: "With --with-special: truncate to this many tokens, at least 2 (default: no truncation).")
    var maxLength: Int?

    @Flag(name: .long, help: "Lower-case like KoBertTokenizer(do_lower_case=True); KoBERT folders only (WordPiece reads do_lower_case from tokenizer_config.json).")
    var lowercase = false

    @Flag(name: .long, help: "Write only the ids, space separated (like spm_encode --output_format=id).")
    var idsOnly = false

    func validate() throws {
        if let maxLength, maxLength < 2 {
            throw ValidationError("--max-length must be at least 2 ([CLS] and [SEP]) (got \(maxLength))")
        }
    }

    func run() throws {
        let loaded: LoadedTokenizer
        do {
            loaded = try LoadedTokenizer(directory: tokenizer, lowercase: lowercase)   // errors name the file
        } catch {
            FileHandle.standardError.write(Data("kobert tokenize: \(error)\n".utf8))
            throw ExitCode.failure
        }
        // Our own FILE on fd 1: Swift 6 cannot prove C's global `stdout` is never reassigned, and nothing
        // else in this command writes to standard output.
        guard let standardOutput = fdopen(STDOUT_FILENO, "w") else {
            FileHandle.standardError.write(Data("kobert tokenize: cannot open standard output: \(String(cString: strerror(errno)))\n".utf8))
            throw ExitCode.failure
        }
        var failures = 0
        var lineNumber = 0
        var output: [UInt8] = []
        output.reserveCapacity(1 << 17)
        func flush(force: Bool) {
            if force || output.count >= 1 << 16 {
                output.withUnsafeBytes { _ = fwrite($0.baseAddress, 1, $0.count, standardOutput) }
                output.removeAll(keepingCapacity: true)
            }
        }
        forEachLine(of: FileHandle.standardInput) { line in
            lineNumber += 1
            if let bad = firstInvalidUTF8Offset(line) {
                failures += 1
                TokenizationJSON.appendError("line \(lineNumber): invalid UTF-8 at byte \(bad)", to: &output)
            } else {
                let text = String(decoding: line, as: UTF8.self)
                if withSpecial {
                    let encoding = loaded.encode(text, maxLength: maxLength ?? Int.max)
                    if idsOnly {
                        output.append(contentsOf: Array(encoding.ids.map(String.init).joined(separator: " ").utf8))
                    } else {
                        TokenizationJSON.append(encoding, to: &output)
                    }
                } else if idsOnly {
                    TokenizationJSON.appendIds(loaded.tokenize(text), to: &output)
                } else {
                    TokenizationJSON.append(loaded.tokenize(text), to: &output)
                }
            }
            output.append(0x0A)
            flush(force: false)
        }
        flush(force: true)
        fflush(standardOutput)
        if failures > 0 {
            FileHandle.standardError.write("kobert tokenize: \(failures) line(s) were not valid UTF-8\n".data(using: .utf8)!)
            throw ExitCode(1)
        }
    }

    /// Calls `body` with each line (without its "\n") read from `handle`, in 1 MiB chunks.
    private func forEachLine(of handle: FileHandle, _ body: (ArraySlice<UInt8>) -> Void) {
        var pending: [UInt8] = []
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            pending.append(contentsOf: chunk)
            var start = 0
            while let newline = pending[start...].firstIndex(of: 0x0A) {
                body(pending[start..<newline])
                start = newline + 1
            }
            pending.removeFirst(start)
        }
        if !pending.isEmpty { body(pending[...]) }
    }
}

/// The tokenizer a folder holds, seen through the two calls this command makes.
private enum LoadedTokenizer {
    case koBert(KoBertTokenizer)
    case wordPiece(WordPieceTokenizer)
    case json(HFTokenizer)

    init(directory: String, lowercase: Bool) throws {
        switch TokenizerFolderKind.detect(directory: directory) {
        case .koBertSentencePiece:
            self = .koBert(try KoBertTokenizer(directory: directory, lowercase: lowercase))
        case .wordPiece:
            guard !lowercase else {
                throw TokenizerError("\(directory): --lowercase is for KoBERT folders; a WordPiece folder's tokenizer_config.json sets do_lower_case")
            }
            self = .wordPiece(try WordPieceTokenizer(directory: directory))
        case .tokenizerJSON:
            guard !lowercase else {
                throw TokenizerError("\(directory): --lowercase is for KoBERT folders; a tokenizer.json sets its own normalizer")
            }
            self = .json(try HFTokenizer(directory: directory))
        }
    }

    func tokenize(_ text: String) -> [TokenPiece] {
        switch self {
        case .koBert(let tokenizer): return tokenizer.tokenize(text)
        case .wordPiece(let tokenizer): return tokenizer.tokenize(text)
        case .json(let tokenizer): return tokenizer.tokenize(text)
        }
    }

    func encode(_ text: String, maxLength: Int) -> Encoding {
        switch self {
        case .koBert(let tokenizer): return tokenizer.encode(text, maxLength: maxLength)
        case .wordPiece(let tokenizer): return tokenizer.encode(text, maxLength: maxLength)
        case .json(let tokenizer): return tokenizer.encode(text, maxLength: maxLength)
        }
    }
}
