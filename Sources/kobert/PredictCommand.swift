import ArgumentParser
import Foundation
import KoBERTCore
import KoBERTModel
import KoBERTRuntime
import KoBERTTokenizer

/// `kobert predict`: stdin lines in, one JSON object per line out, in input order.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Run a model on stdin, one item a line; write one JSON object a line to stdout.",
        discussion: """
        Input, one item per line:
          text            raw text, tokenized by the model's tokenizer (default);
                          an empty line is the text "" (as kobertd answers it)
          --ids           a JSON array of token ids, [CLS]/[SEP] included,
                          e.g. [2, 517, 3]; or, for BERT segments,
                          {"input_ids": [...], "token_type_ids": [...]}
                          (RoBERTa / XLM-R: <s> ... </s>, one segment)
          --task qa       {"question": "...", "context": "..."}; with --ids
                          [CLS] question [SEP] context [SEP] as ids
                          (RoBERTa: <s> question </s></s> context </s>)

        Output, one JSON object per line, in input order:
          nsmc   {"label", "probs", "logits"}
          ner    {"tokens", "tags", "logits" (one row per token), "entities":
                  [{"text", "label", "start", "end", "score"}]}
          qa     {"answer", "start", "end", "score", "start_logits",
                  "end_logits"}
          embed  {"embedding": [...]}; a list of vectors with --pooling none
          text input adds "truncated": true when cut to --max-length.

        Offsets (start, end) count Unicode code points into the line (into
        the context for qa), end exclusive, as Python slicing; with --ids
        they are token indices. NER decides per word: a word's tag is the
        tag of its first piece (as KoBERT-NER trains it) and its later
        pieces join that word's entity. Tags may read PER-B / PER-I or
        B-PER / I-PER. QA answers lie in the context, start <= end, at most
        30 pieces long; score = P(start) * P(end) over the context.

        A line that cannot be run answers {"error": "..."} and the rest go
        on. A line that is not valid UTF-8 answers {"error": "line N: invalid
        UTF-8 at byte K"} (like kobert tokenize); once all lines are answered,
        a count goes to stderr and the exit status is 1. A model that cannot
        be loaded stops with one line on stderr and exit status 1. Text input needs a tokenizer: the model's own (a folder's KoBERT
        .model + vocab.txt, tokenizer.json or WordPiece vocab.txt), else --tokenizer DIR, else models/tokenizer.

        Examples:
          kobert predict --model models/nsmc.kbt --task nsmc < reviews.txt
          echo '이순신은 한산도에서 싸웠다' | kobert predict --model models/ner.kbt
          echo '[2, 4012, 3]' | kobert predict --model hf-folder --task embed \\
              --ids --pooling mean
          echo '{"question": "누가?", "context": "이순신이 싸웠다."}' | \\
              kobert predict --model qa-folder --task qa
        """)

    @Option(name: .long, help: "A Hugging Face model folder (config.json + weights; DistilBERT, BERT, RoBERTa or XLM-R) or a packed .kbt file.")
    var model: String

    @Option(name: .long, help: "nsmc | ner | qa | embed (default: the task the model was trained or packed for).")
    var task: String?

    @Flag(name: .long, help: "Input lines are JSON arrays of token ids; the tokenizer is bypassed.")
    var ids = false

    @Option(name: .long, help: "embed only: cls | mean | none.")
    var pooling: String = "cls"

    @Option(name: .long, help: "Longest token sequence; text is truncated to it (capped by the model's positions).")
    var maxLength: Int = 512

    @Option(name: .long, help: "Cores the forward pass may use.")
    var threads: Int = 2

    @Option(name: .long, help: "Lines run together in one forward pass (1…\(Self.maxBatchSize)).")
    var batchSize: Int = 8

    @Option(name: .long, help: "Tokenizer folder (KoBERT tokenizer_78b3253a26.model + vocab.txt, a tokenizer.json, or a WordPiece vocab.txt), used when the model has none of its own (default: models/tokenizer if present).")
    var tokenizer: String?

    static let maxBatchSize = 1024

    func validate() throws {
        if let task, ModelTask(rawValue: task) == nil { throw ValidationError("--task must be one of nsmc, ner, qa, embed (got \(task))") }
        if Pooling(rawValue: pooling) == nil { throw ValidationError("--pooling must be one of cls, mean, none (got \(pooling))") }
        guard maxLength >= 2 else { throw ValidationError("--max-length must be at least 2 ([CLS] and [SEP])") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard (1...Self.maxBatchSize).contains(batchSize) else {
            throw ValidationError("--batch-size must be 1…\(Self.maxBatchSize) (got \(batchSize))")
        }
    }

    func run() throws {
        let predictor: Predictor
        do {
            predictor = try ModelLoader.load(path: model, task: task.flatMap(ModelTask.init(rawValue:)), threads: threads,
                                             tokenizerDirectory: tokenizer ?? ModelLoader.defaultTokenizerDirectory)
        } catch {
            FileHandle.standardError.write(Data("kobert predict: \(error)\n".utf8))
            throw ExitCode.failure
        }
        if !ids && predictor.tokenizer == nil {
            let reason = ModelLoader.missingTokenizerReason(model: model, tokenizerDirectory: tokenizer ?? ModelLoader.defaultTokenizerDirectory,
                                                            vocabularySize: predictor.encoder.vocabularySize)
            FileHandle.standardError.write(Data("kobert predict: \(reason)\n".utf8))
            throw ExitCode.failure
        }
        let runner = PredictionRunner(predictor: predictor, ids: ids, pooling: Pooling(rawValue: pooling)!, maxLength: maxLength)
        // Our own FILE on fd 0: Swift 6 cannot prove C's global `stdin` is never reassigned, and nothing
        // else in this command reads standard input.
        guard let input = fdopen(STDIN_FILENO, "r") else {
            FileHandle.standardError.write(Data("kobert predict: cannot open standard input: \(String(cString: strerror(errno)))\n".utf8))
            throw ExitCode.failure
        }
        var batch: [Result<String, KoBERTError>] = []
        var lineNumber = 0, invalidLines = 0
        while let bytes = Self.readRawLine(from: input) {
            lineNumber += 1
            if let bad = firstInvalidUTF8Offset(bytes) {
                invalidLines += 1
                batch.append(.failure(KoBERTError("line \(lineNumber): invalid UTF-8 at byte \(bad)")))
            } else {
                batch.append(.success(String(decoding: bytes, as: UTF8.self)))
            }
            if batch.count == batchSize { runner.write(runner.run(batch)); batch.removeAll(keepingCapacity: true) }
        }
        if !batch.isEmpty { runner.write(runner.run(batch)) }
        if invalidLines > 0 {
            FileHandle.standardError.write(Data("kobert predict: \(invalidLines) line(s) were not valid UTF-8\n".utf8))
            throw ExitCode.failure
        }
    }

    /// The next stdin line as raw bytes, without its "\n"; nil at end of input. Unlike readLine(),
    /// invalid UTF-8 is kept as is so that it can be reported instead of silently repaired.
    private static func readRawLine(from input: UnsafeMutablePointer<FILE>) -> [UInt8]? {
        var buffer: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(buffer) }
        let count = getline(&buffer, &capacity, input)
        guard count > 0, let buffer else { return nil }
        var bytes = [UInt8](UnsafeRawBufferPointer(start: buffer, count: count))
        if bytes.last == 0x0A { bytes.removeLast() }
        return bytes
    }
}

/// Parses lines, runs the valid ones as one batch and answers each line in order.
struct PredictionRunner {
    let predictor: Predictor
    let ids: Bool
    let pooling: Pooling
    let maxLength: Int
    private let encoder = JSONEncoder()

    init(predictor: Predictor, ids: Bool, pooling: Pooling, maxLength: Int) {
        self.predictor = predictor; self.ids = ids; self.pooling = pooling; self.maxLength = maxLength
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    }

    /// What one line asks for.
    enum Item {
        case text(String)
        case tokens(TokenSequence)
        case question(question: String, context: String)
    }

    struct Failure: Encodable { let error: String }
    struct Question: Decodable { let question: String; let context: String }
    /// The object form of an --ids line, for BERT inputs with segments.
    struct IdsObject: Decodable {
        let inputIds: [Int]
        let tokenTypeIds: [Int]?
        enum CodingKeys: String, CodingKey { case inputIds = "input_ids", tokenTypeIds = "token_type_ids" }
    }

    func parse(_ rawLine: String) throws -> Item {
        let line = rawLine.hasSuffix("\r") ? String(rawLine.dropLast()) : rawLine
        // A text line may be empty (it is answered for "", as kobertd answers `texts: [""]`); --ids and qa
        // lines are JSON, which an empty line is not.
        let blank = line.trimmingCharacters(in: .whitespaces).isEmpty
        if blank && (ids || predictor.task == .qa) { throw KoBERTError("empty line (expected JSON)") }
        if ids {
            let data = Data(line.utf8)
            if let tokens = try? JSONDecoder().decode([Int].self, from: data) { return .tokens(TokenSequence(ids: tokens)) }
            if let object = try? JSONDecoder().decode(IdsObject.self, from: data) {
                return .tokens(TokenSequence(ids: object.inputIds, typeIds: object.tokenTypeIds))
            }
            throw KoBERTError(#"--ids expects a JSON array of token ids, e.g. [2, 517, 3], or {"input_ids": [...], "token_type_ids": [...]}"#)
        }
        if predictor.task == .qa {
            guard let pair = try? JSONDecoder().decode(Question.self, from: Data(line.utf8)) else {
                throw KoBERTError(#"qa expects {"question": "...", "context": "..."}"#)
            }
            return .question(question: pair.question, context: pair.context)
        }
        return .text(line)
    }

    /// One JSON line per input line; a line that failed to read (e.g. invalid UTF-8) answers its error.
    func run(_ lines: [Result<String, KoBERTError>]) -> [String] {
        var answers = [String?](repeating: nil, count: lines.count)
        var items: [(index: Int, item: Item)] = []
        for (index, line) in lines.enumerated() {
            do { items.append((index, try parse(try line.get()))) } catch { answers[index] = failure(error) }
        }
        do {
            for (n, json) in try predict(items.map(\.item)).enumerated() { answers[items[n].index] = json }
        } catch {
            // One bad item fails its batch: run them one by one so only that line answers an error.
            for (index, item) in items {
                do { answers[index] = try predict([item])[0] } catch { answers[index] = failure(error) }
            }
        }
        return answers.map { $0 ?? failure(KoBERTError("no answer")) }
    }

    private func predict(_ items: [Item]) throws -> [String] {
        if items.isEmpty { return [] }
        var texts: [String] = [], tokens: [TokenSequence] = [], questions: [(question: String, context: String)] = []
        for item in items {
            switch item {
            case .text(let t): texts.append(t)
            case .tokens(let t): tokens.append(t)
            case .question(let q, let c): questions.append((q, c))
            }
        }
        for sequence in tokens where sequence.ids.count > maxLength {
            throw KoBERTError("\(sequence.ids.count) token ids are more than --max-length \(maxLength)")
        }
        switch predictor.task {
        case .nsmc: return try encodeAll(ids ? predictor.classify(sequences: tokens) : predictor.classify(texts, maxLength: maxLength))
        case .ner: return try encodeAll(ids ? predictor.ner(sequences: tokens) : predictor.ner(texts, maxLength: maxLength))
        case .qa: return try encodeAll(ids ? predictor.answer(sequences: tokens) : predictor.answer(questions, maxLength: maxLength))
        case .embed:
            return try encodeAll(ids ? predictor.embed(sequences: tokens, pooling: pooling)
                                     : predictor.embed(texts, pooling: pooling, maxLength: maxLength))
        }
    }

    private func encodeAll<T: Encodable>(_ results: [T]) throws -> [String] {
        try results.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
    }

    private func failure(_ error: Error) -> String {
        let text = (try? encoder.encode(Failure(error: "\(error)"))).map { String(decoding: $0, as: UTF8.self) }
        return text ?? #"{"error": "unprintable error"}"#
    }

    func write(_ lines: [String]) {
        var out = lines.joined(separator: "\n")
        out.append("\n")
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}
