import Foundation

/// A tokenizer read from HF tokenizers' `tokenizer.json`, for the components BERT WordPiece
/// (MiniLM, KLUE-BERT) and XLM-R Unigram (multilingual-e5) files use: added tokens split out of the
/// raw text (leftmost-longest) → normalizer (BertNormalizer, or a Sequence of Precompiled / Replace)
/// → pre-tokenizer (BertPreTokenizer, Metaspace) → model (WordPiece, Unigram) → post-processor
/// (TemplateProcessing, BertProcessing, RobertaProcessing). Offsets are code points of the original
/// text. The file's truncation and padding sections are not applied (`encode` takes maxLength).
/// Any other component is a one-line error naming it. Immutable, so one instance serves many threads.
public final class HFTokenizer: Sendable {
    public static let fileName = "tokenizer.json"

    private enum NormalizerStep: Sendable {
        case precompiled(PrecompiledCharsmap)
        case replace(ReplaceNormalizer)
    }
    private enum PreTokenizer: Sendable {
        case bert
        case metaspace(MetaspacePreTokenizer)
        case none
    }
    private enum Model: Sendable {
        case wordPiece(WordPieceModel)
        case unigram(HFUnigramModel)
    }
    /// One item of a post-processing template.
    private enum TemplateItem: Sendable {
        case special(tokens: [String], ids: [Int], typeId: Int)
        case sequence(second: Bool, typeId: Int)
    }

    private let bertNormalizer: BertNormalizer?
    private let steps: [NormalizerStep]
    private let preTokenizer: PreTokenizer
    private let model: Model
    /// Spelling of each model id.
    private let pieces: [String]
    private let single: [TemplateItem]?
    private let pair: [TemplateItem]?
    private let splitter: SpecialTokenSplitter
    /// (content, id) of each added token, in the splitter's order (longest first).
    private let added: [(token: String, id: Int)]

    public var vocabularySize: Int { pieces.count }

    /// The single-sequence template's first and last special ids (<s> … </s>, [CLS] … [SEP]).
    public var clsId: Int { templateSpecialIds.first ?? 0 }
    public var sepId: Int { templateSpecialIds.last ?? 0 }
    /// The padding token (<pad> or [PAD]) among the added tokens or pieces, else 0.
    public var padId: Int {
        let names: Set<String> = ["<pad>", "[PAD]"]
        return added.first { names.contains($0.token) }?.id ?? pieces.firstIndex { names.contains($0) } ?? 0
    }

    public func token(forId id: Int) -> String? { pieces.indices.contains(id) ? pieces[id] : nil }

    private var templateSpecialIds: [Int] {
        (single ?? []).flatMap { item -> [Int] in
            if case .special(_, let ids, _) = item { return ids }
            return []
        }
    }

    public convenience init(directory: String) throws {
        let path = (directory as NSString).appendingPathComponent(Self.fileName)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizerError("\(path): cannot read the tokenizer")
        }
        try self.init(data: data, source: path)
    }

    public convenience init(data: Data, source: String = fileName) throws {
        try self.init(bytes: [UInt8](data), source: source)
    }

    /// Reads the file with JSONDocument (strict; Unigram scores read as serde_json reads them, SerdeJSONNumber).
    init(bytes: [UInt8], source: String = fileName) throws {
        let document: JSONDocument
        do { document = try JSONDocument(bytes: bytes) } catch { throw TokenizerError("\(source): \(error)") }
        let root = document.root
        guard root.isObject else { throw TokenizerError("\(source): not a JSON object") }
        func fail(_ message: String) -> TokenizerError { TokenizerError("\(source): \(message)") }
        func object(_ value: JSONValue?, _ what: String) throws -> JSONValue? {
            guard let value, !value.isNull else { return nil }
            guard value.isObject else { throw fail("\(what) must be an object") }
            return value
        }
        func type(_ object: JSONValue, _ what: String) throws -> String {
            guard let type = object["type"]?.string else { throw fail("\(what) has no type") }
            return type
        }
        func flag(_ object: JSONValue, _ key: String, _ what: String, default value: Bool?) throws -> Bool? {
            guard let raw = object[key], !raw.isNull else { return value }
            guard let flag = raw.bool else { throw fail("\(what) \(key) must be true or false") }
            return flag
        }
        func integer(_ raw: JSONValue?, _ what: String) throws -> Int {
            guard let number = raw?.double, let value = Int(exactly: number),
                  value >= 0, value <= Int(Int32.max) else { throw fail("\(what) must be an id from 0 to \(Int32.max)") }
            return value
        }
        /// An array whose elements are all strings.
        func strings(_ raw: JSONValue?) -> [String]? {
            guard let list = raw?.array else { return nil }
            let texts = list.compactMap(\.string)
            return texts.count == list.count ? texts : nil
        }

        // Normalizer.
        var bert: BertNormalizer?
        var steps: [NormalizerStep] = []
        if let normalizer = try object(root["normalizer"], "normalizer") {
            var queue = [normalizer]
            if try type(normalizer, "normalizer") == "Sequence" {
                guard let list = normalizer["normalizers"]?.array else { throw fail("normalizer Sequence has no normalizers list") }
                queue = try list.map { raw in
                    guard let step = try object(raw, "normalizer") else { throw fail("normalizer Sequence holds a null") }
                    return step
                }
            }
            for (index, step) in queue.enumerated() {
                let kind = try type(step, "normalizer")
                switch kind {
                case "BertNormalizer":
                    guard index == 0 else { throw fail("normalizer BertNormalizer after another normalizer is not supported") }
                    let lowercase = try flag(step, "lowercase", "BertNormalizer", default: true)!
                    bert = BertNormalizer(
                        cleanText: try flag(step, "clean_text", "BertNormalizer", default: true)!,
                        handleChineseChars: try flag(step, "handle_chinese_chars", "BertNormalizer", default: true)!,
                        stripAccents: try flag(step, "strip_accents", "BertNormalizer", default: nil) ?? lowercase,
                        lowercase: lowercase)
                case "Precompiled":
                    guard let text = step["precompiled_charsmap"]?.string, let blob = Data(base64Encoded: text) else {
                        throw fail("normalizer Precompiled has no base64 precompiled_charsmap")
                    }
                    steps.append(.precompiled(try PrecompiledCharsmap(blob: [UInt8](blob), source: source)))
                case "Replace":
                    guard let pattern = step["pattern"], pattern.isObject, let content = step["content"]?.string else {
                        throw fail("normalizer Replace needs a pattern and a content")
                    }
                    let parsed: ReplaceNormalizer.Pattern
                    if let literal = pattern["String"]?.string, !literal.isEmpty {
                        parsed = .literal(literal.unicodeScalars.map(\.value))
                    } else if let regex = pattern["Regex"]?.string, let run = ReplaceNormalizer.parseRegex(regex) {
                        parsed = run
                    } else {
                        throw fail("normalizer Replace pattern \(pattern.sourceText()) is not supported (a literal, or one character with {n,} or +)")
                    }
                    steps.append(.replace(ReplaceNormalizer(pattern: parsed, content: content.unicodeScalars.map(\.value))))
                default:
                    throw fail("normalizer \(kind) is not supported")
                }
            }
        }
        bertNormalizer = bert
        self.steps = steps

        // Pre-tokenizer.
        if let pre = try object(root["pre_tokenizer"], "pre_tokenizer") {
            let kind = try type(pre, "pre_tokenizer")
            switch kind {
            case "BertPreTokenizer":
                preTokenizer = .bert
            case "Metaspace":
                let replacement = (pre["replacement"]?.string).map { Array($0.unicodeScalars) } ?? ["\u{2581}"]
                guard replacement.count == 1 else { throw fail("pre_tokenizer Metaspace replacement must be one character") }
                var scheme = MetaspacePreTokenizer.PrependScheme.always
                if let raw = pre["prepend_scheme"]?.string {
                    guard let parsed = MetaspacePreTokenizer.PrependScheme(rawValue: raw) else {
                        throw fail("pre_tokenizer Metaspace prepend_scheme \(raw) is not supported")
                    }
                    scheme = parsed
                } else if let add = try flag(pre, "add_prefix_space", "Metaspace", default: nil) {
                    scheme = add ? .always : .never   // the older spelling
                }
                preTokenizer = .metaspace(MetaspacePreTokenizer(
                    replacement: replacement[0].value, prependScheme: scheme,
                    split: try flag(pre, "split", "Metaspace", default: true)!))
            default:
                throw fail("pre_tokenizer \(kind) is not supported")
            }
        } else {
            preTokenizer = .none
        }

        // Model.
        guard let modelObject = try object(root["model"], "model") else { throw fail("no model") }
        let modelKind = modelObject["type"]?.string ?? "(untyped)"
        switch modelKind {
        case "WordPiece":
            guard let members = modelObject["vocab"]?.members, !members.isEmpty else { throw fail("model WordPiece has no vocab object") }
            // A repeated token keeps its last id, as a JSON map does.
            var ids: [String: Int] = [:]
            ids.reserveCapacity(members.count)
            for (token, raw) in members {
                ids[token] = try integer(raw, "model WordPiece vocab id of \(token.debugDescription)")
            }
            var tokens = [String?](repeating: nil, count: ids.count)
            for (token, id) in ids {
                guard id < ids.count, tokens[id] == nil else {
                    throw fail("model WordPiece vocab ids must be 0..<\(ids.count), each once (\(token.debugDescription) has \(id))")
                }
                tokens[id] = token
            }
            let prefix = modelObject["continuing_subword_prefix"]?.string ?? "##"
            let maxChars = try modelObject["max_input_chars_per_word"].map { try integer($0, "model WordPiece max_input_chars_per_word") } ?? 100
            let unk = modelObject["unk_token"]?.string ?? "[UNK]"
            let vocabulary = WordPieceVocabulary(tokens: tokens.map { $0! }, ids: ids)
            let wordPiece = try WordPieceModel(vocabulary: vocabulary, unknownToken: unk, continuationPrefix: prefix,
                                               maxInputCharsPerWord: maxChars, source: source)
            model = .wordPiece(wordPiece)
            pieces = wordPiece.pieces
        case "Unigram":
            guard let vocab = modelObject["vocab"]?.array else { throw fail("model Unigram has no vocab list") }
            var spellings: [String] = []
            var scores: [Double] = []
            spellings.reserveCapacity(vocab.count)
            scores.reserveCapacity(vocab.count)
            for (index, raw) in vocab.enumerated() {
                guard raw.isArray, raw.count == 2, let piece = raw[0]?.string,
                      let score = raw[1]?.serdeDouble, score.isFinite else {
                    throw fail("model Unigram vocab entry \(index) is not [piece, score]")
                }
                spellings.append(piece)
                scores.append(score)
            }
            guard let unkRaw = modelObject["unk_id"], !unkRaw.isNull else { throw fail("model Unigram without unk_id is not supported") }
            let unigram = try HFUnigramModel(pieces: spellings, scores: scores, unknownId: try integer(unkRaw, "model Unigram unk_id"),
                                             byteFallback: try flag(modelObject, "byte_fallback", "Unigram", default: false)!,
                                             source: source)
            model = .unigram(unigram)
            pieces = spellings
        default:
            throw fail("model \(modelKind) is not supported")
        }

        // Added tokens: matched in the raw text, longest first where two start at one place.
        var added: [(token: String, id: Int)] = []
        for (index, token) in (root["added_tokens"]?.array ?? []).enumerated() {
            guard let content = token["content"]?.string, !content.isEmpty else {
                throw fail("added_tokens[\(index)] has no content")
            }
            let id = try integer(token["id"], "added_tokens[\(index)] id")
            for key in ["lstrip", "rstrip", "single_word", "normalized"] where token[key]?.bool == true {
                throw fail("added token \(content.debugDescription) with \(key)=true is not supported")
            }
            added.append((content, id))
        }
        added.sort { $0.token.unicodeScalars.count > $1.token.unicodeScalars.count }
        self.added = added
        splitter = SpecialTokenSplitter(tokens: added.map(\.token))

        // Post-processor.
        if let post = try object(root["post_processor"], "post_processor") {
            let kind = try type(post, "post_processor")
            func special(_ key: String) throws -> (String, Int) {
                guard let pair = post[key]?.array, pair.count == 2, let token = pair[0].string else {
                    throw fail("post_processor \(kind) \(key) must be [token, id]")
                }
                return (token, try integer(pair[1], "post_processor \(kind) \(key) id"))
            }
            switch kind {
            case "TemplateProcessing":
                let specials = post["special_tokens"]
                func template(_ key: String) throws -> [TemplateItem] {
                    guard let list = post[key]?.array else { throw fail("post_processor TemplateProcessing has no \(key) template") }
                    return try list.map { item in
                        guard item.isObject else { throw fail("post_processor template item is not an object") }
                        if let piece = item["SpecialToken"], let name = piece["id"]?.string {
                            guard let entry = specials?[name], let tokens = strings(entry["tokens"]),
                                  let rawIds = entry["ids"]?.array, rawIds.count == tokens.count else {
                                throw fail("post_processor special token \(name.debugDescription) is not in special_tokens")
                            }
                            let ids = try rawIds.map { try integer($0, "post_processor special token \(name) id") }
                            return .special(tokens: tokens, ids: ids, typeId: try piece["type_id"].map { try integer($0, "type_id") } ?? 0)
                        }
                        if let sequence = item["Sequence"], let name = sequence["id"]?.string, name == "A" || name == "B" {
                            return .sequence(second: name == "B", typeId: try sequence["type_id"].map { try integer($0, "type_id") } ?? 0)
                        }
                        throw fail("post_processor template item \(item.sourceText()) is not supported")
                    }
                }
                single = try template("single")
                pair = try template("pair")
            case "BertProcessing":
                let (cls, clsId) = try special("cls"), (sep, sepId) = try special("sep")
                single = [.special(tokens: [cls], ids: [clsId], typeId: 0), .sequence(second: false, typeId: 0),
                          .special(tokens: [sep], ids: [sepId], typeId: 0)]
                pair = single! + [.sequence(second: true, typeId: 1), .special(tokens: [sep], ids: [sepId], typeId: 1)]
            case "RobertaProcessing":
                // trim_offsets only trims whitespace inside tokens, which Metaspace / WordPiece tokens never hold.
                let (cls, clsId) = try special("cls"), (sep, sepId) = try special("sep")
                single = [.special(tokens: [cls], ids: [clsId], typeId: 0), .sequence(second: false, typeId: 0),
                          .special(tokens: [sep], ids: [sepId], typeId: 0)]
                pair = single! + [.special(tokens: [sep], ids: [sepId], typeId: 0), .sequence(second: true, typeId: 0),
                                  .special(tokens: [sep], ids: [sepId], typeId: 0)]
            default:
                throw fail("post_processor \(kind) is not supported")
            }
        } else {
            single = nil
            pair = nil
        }
    }

    /// The model's tokens for `text` (no post-processor specials), each with its id and original span.
    public func tokenize(_ text: String) -> [TokenPiece] {
        splitter.tokenize(text, specials: added) { buffer, range, output in tokenizeSegment(buffer, range, into: &output) }
    }

    private func tokenizeSegment(_ buffer: UnsafeBufferPointer<UInt32>, _ range: Range<Int>, into output: inout [TokenPiece]) {
        var normalized = AlignedScalars(reservingCapacity: range.count + 8)
        if let bertNormalizer {
            bertNormalizer.normalize(buffer, range, into: &normalized)
        } else {
            for i in range { normalized.append(buffer[i], start: Int32(i), end: Int32(i + 1)) }
        }
        let segmentStart = Int32(range.lowerBound)
        for step in steps {
            switch step {
            case .precompiled(let charsmap): normalized = charsmap.normalize(normalized, segmentStart: segmentStart)
            case .replace(let replace): normalized = replace.normalize(normalized)
            }
        }
        let words: [Range<Int>]
        switch preTokenizer {
        case .bert: words = BertPreTokenizer.words(normalized)
        case .metaspace(let metaspace): (normalized, words) = metaspace.words(normalized, segmentStart: segmentStart)
        case .none: words = normalized.count > 0 ? [0..<normalized.count] : []
        }
        for word in words {
            switch model {
            case .wordPiece(let wordPiece): wordPiece.tokenize(normalized, word, into: &output)
            case .unigram(let unigram): unigram.tokenize(normalized, word, pieces: pieces, into: &output)
            }
        }
    }

    /// The post-processor's template around `text` (and `pair`), LongestFirst-truncated to
    /// `maxLength` tokens; without a post-processor, the tokens alone.
    public func encode(_ text: String, pair second: String? = nil, maxLength: Int = 512) -> Encoding {
        var a = tokenize(text)
        var b = second.map(tokenize)
        let template = (b == nil ? single : pair) ?? (b == nil ? [.sequence(second: false, typeId: 0)]
                                                                 : [.sequence(second: false, typeId: 0), .sequence(second: true, typeId: 1)])
        let addedCount = template.reduce(0) { count, item in
            if case .special(_, let ids, _) = item { return count + ids.count }
            return count
        }
        let truncated = truncateLongestFirst(&a, &b, budget: max(0, maxLength - addedCount))
        var encoding = Encoding(ids: [], typeIds: [], pieces: [], offsets: [], truncated: truncated)
        for item in template {
            switch item {
            case .special(let tokens, let ids, let typeId):
                for (token, id) in zip(tokens, ids) {
                    encoding.ids.append(id); encoding.typeIds.append(typeId); encoding.pieces.append(token); encoding.offsets.append(nil)
                }
            case .sequence(let isSecond, let typeId):
                for token in (isSecond ? b ?? [] : a) {
                    encoding.ids.append(token.id); encoding.typeIds.append(typeId); encoding.pieces.append(token.piece)
                    encoding.offsets.append((token.start, token.end))
                }
            }
        }
        return encoding
    }
}

extension WordPieceVocabulary {
    /// A vocabulary given as tokenizer.json's {token: id} map, already checked to be ids 0..<n.
    init(tokens: [String], ids: [String: Int]) {
        self.tokens = tokens
        self.ids = ids
    }
}
