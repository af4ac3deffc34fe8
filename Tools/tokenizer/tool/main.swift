// kobert-tokenizer-tool: the tokenizer alone, built straight from Sources/KoBERTTokenizer with swiftc
// (see build_tool.sh), so it builds and benchmarks independently of the rest of the package.
//
//   check FIXTURES.jsonl MODEL_DIR   compare with make_fixtures.py output (tokens, ids, sp ids, pairs)
//   ids MODEL_DIR                    stdin lines → space-separated vocab ids per line (like spm_encode --output_format=id)
//   spids MODEL_DIR                  the same with plain SentencePiece ids (no KoBERT layer)
//   encode TOKENIZER_DIR             any folder kind (KoBERT, tokenizer.json, WordPiece vocab.txt): ids with the
//                                    specials, untruncated, one line each (as `tokenizers`' encode gives them);
//                                    stderr gets one line of CPU seconds: "load 0.310 s, encode 2.400 s (CPU)"
import Foundation

func fail(_ message: String) -> Never {
    FileHandle.standardError.write((message + "\n").data(using: .utf8)!)
    exit(2)
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else { fail("usage: kobert-tokenizer-tool check FIXTURES.jsonl MODEL_DIR | ids MODEL_DIR | spids MODEL_DIR | encode TOKENIZER_DIR") }

/// CPU seconds (user + system) this process has used so far.
func cpuSeconds() -> Double { Double(clock()) / Double(CLOCKS_PER_SEC) }

/// Reads stdin line by line as bytes, in large chunks.
func forEachStdinLine(_ body: (ArraySlice<UInt8>) -> Void) {
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    var pending: [UInt8] = []
    while true {
        let n = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        pending.append(contentsOf: buffer[0..<n])
        var start = 0
        while let newline = pending[start...].firstIndex(of: 0x0A) {
            body(pending[start..<newline])
            start = newline + 1
        }
        pending.removeFirst(start)
    }
    if !pending.isEmpty { body(pending[...]) }
}

/// Buffered stdout.
struct Output {
    var bytes: [UInt8] = []
    mutating func flush(force: Bool = false) {
        if bytes.count >= (1 << 16) || (force && !bytes.isEmpty) {
            bytes.withUnsafeBytes { _ = fwrite($0.baseAddress, 1, $0.count, stdout) }
            bytes.removeAll(keepingCapacity: true)
        }
    }
    mutating func append(number value: Int) {
        if value == 0 { bytes.append(0x30); return }
        var v = value
        if v < 0 { bytes.append(0x2D); v = -v }
        let start = bytes.count
        while v > 0 { bytes.append(UInt8(0x30 + v % 10)); v /= 10 }
        bytes[start...].reverse()
    }
}

func writeIds(_ tokenizer: KoBertTokenizer, plain: Bool) {
    var output = Output()
    forEachStdinLine { line in
        guard let text = String(validating: line, as: UTF8.self) else { output.bytes.append(contentsOf: Array("error: invalid UTF-8\n".utf8)); return }
        if plain {
            for (k, piece) in tokenizer.sentencePiece.encode(text).enumerated() {
                if k > 0 { output.bytes.append(0x20) }
                output.append(number: piece.id)
            }
        } else {
            for (k, piece) in tokenizer.tokenize(text).enumerated() {
                if k > 0 { output.bytes.append(0x20) }
                output.append(number: piece.id)
            }
        }
        output.bytes.append(0x0A)
        output.flush()
    }
    output.flush(force: true)
}

/// Ids of `encode` (specials added, no truncation) for any tokenizer a folder holds.
func writeEncoded(_ tokenizer: any TextTokenizer) {
    var output = Output()
    forEachStdinLine { line in
        guard let text = String(validating: line, as: UTF8.self) else { output.bytes.append(contentsOf: Array("error: invalid UTF-8\n".utf8)); return }
        for (k, id) in tokenizer.encode(text, pair: nil, maxLength: 1 << 30).ids.enumerated() {
            if k > 0 { output.bytes.append(0x20) }
            output.append(number: id)
        }
        output.bytes.append(0x0A)
        output.flush()
    }
    output.flush(force: true)
}

switch arguments[1] {
case "encode":
    do {
        let start = cpuSeconds()
        guard let tokenizer = try TextTokenizerLoader.load(directory: arguments[2]) else { fail("\(arguments[2]): no tokenizer there") }
        let loaded = cpuSeconds()
        writeEncoded(tokenizer)
        let done = cpuSeconds()
        FileHandle.standardError.write(String(format: "load %.3f s, encode %.3f s (CPU)\n", loaded - start, done - loaded).data(using: .utf8)!)
    } catch { fail("\(error)") }

case "ids", "spids":
    do { writeIds(try KoBertTokenizer(directory: arguments[2]), plain: arguments[1] == "spids") } catch { fail("\(error)") }

case "check":
    guard arguments.count >= 4 else { fail("usage: kobert-tokenizer-tool check FIXTURES.jsonl MODEL_DIR") }
    let plain: KoBertTokenizer, lowered: KoBertTokenizer
    do {
        plain = try KoBertTokenizer(directory: arguments[3])
        lowered = try KoBertTokenizer(directory: arguments[3], lowercase: true)
    } catch { fail("\(error)") }
    guard let data = FileManager.default.contents(atPath: arguments[2]) else { fail("\(arguments[2]): cannot read") }
    var checked = 0, tokenMismatches = 0, spMismatches = 0, pairMismatches = 0, offsetProblems = 0
    var shown = 0
    for (lineNumber, line) in data.split(separator: 0x0A).enumerated() {
        guard let record = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
              let text = record["text"] as? String else { fail("\(arguments[2]) line \(lineNumber + 1): not a fixture record") }
        let tokenizer = (record["lowercase"] as? Bool ?? false) ? lowered : plain
        checked += 1
        if let pair = record["pair"] as? String, let maxLength = record["max_length"] as? Int {
            let encoding = tokenizer.encode(text, pair: pair, maxLength: maxLength)
            if encoding.ids != record["input_ids"] as? [Int] || encoding.typeIds != record["token_type_ids"] as? [Int] {
                pairMismatches += 1
                if shown < 10 { shown += 1; print("pair line \(lineNumber + 1) differs") }
            }
            continue
        }
        let pieces = tokenizer.tokenize(text)
        let tokens = pieces.map(\.piece), ids = pieces.map(\.id)
        if tokens != record["tokens"] as? [String] || ids != record["ids"] as? [Int] {
            tokenMismatches += 1
            if shown < 10 {
                shown += 1
                print("line \(lineNumber + 1) \(text.debugDescription.prefix(100))\n  got      \(tokens.prefix(30)) \(ids.prefix(30))\n  expected \((record["tokens"] as? [String] ?? []).prefix(30)) \((record["ids"] as? [Int] ?? []).prefix(30))")
            }
        }
        let scalarCount = text.unicodeScalars.count
        var previousStart = 0
        for piece in pieces where piece.start < previousStart || piece.start > piece.end || piece.end > scalarCount {
            offsetProblems += 1
            _ = piece
            break
        }
        for piece in pieces { previousStart = piece.start }
        if let expected = record["sp_ids"] as? [Int] {
            let got = tokenizer.sentencePiece.encode(text).map(\.id)
            if got != expected {
                spMismatches += 1
                if shown < 10 { shown += 1; print("sp line \(lineNumber + 1) \(text.debugDescription.prefix(100)): got \(got.prefix(30)) expected \(expected.prefix(30))") }
            }
        }
    }
    print("\(arguments[2]): \(checked) records; token/id mismatches \(tokenMismatches), sentencepiece-id mismatches \(spMismatches), pair mismatches \(pairMismatches), offset range problems \(offsetProblems)")
    exit(tokenMismatches + spMismatches + pairMismatches + offsetProblems == 0 ? 0 : 1)

default:
    fail("unknown mode \(arguments[1])")
}
