import Foundation
import XCTest
@testable import KoBERTTokenizer

/// Finds the repository through this file's path, and reads the tokenizer fixtures.
enum Fixtures {
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let tokenizerFolder = repositoryRoot.appendingPathComponent("Tests/Fixtures/tokenizer")
    static let unigramModelFolder = repositoryRoot.appendingPathComponent("models/tokenizer")
    static let bpeModelFolder = tokenizerFolder.appendingPathComponent("bpe")

    static func modelFolder(_ name: String) -> URL { name == "bpe" ? bpeModelFolder : unigramModelFolder }

    /// One line of a fixture file written by Tools/tokenizer/make_fixtures.py.
    struct Record {
        var source: String
        var text: String
        var lowercase: Bool
        var tokens: [String]?
        var ids: [Int]?
        var sentencePieceIds: [Int]?
        var pair: String?
        var maxLength: Int?
        var inputIds: [Int]?
        var tokenTypeIds: [Int]?
    }

    static func records(_ url: URL) throws -> [Record] {
        let data = try Data(contentsOf: url)
        var records: [Record] = []
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                throw TokenizerError("\(url.path): a line is not a JSON object")
            }
            records.append(Record(
                source: object["source"] as? String ?? "",
                text: object["text"] as? String ?? "",
                lowercase: object["lowercase"] as? Bool ?? false,
                tokens: object["tokens"] as? [String],
                ids: object["ids"] as? [Int],
                sentencePieceIds: object["sp_ids"] as? [Int],
                pair: object["pair"] as? String,
                maxLength: object["max_length"] as? Int,
                inputIds: object["input_ids"] as? [Int],
                tokenTypeIds: object["token_type_ids"] as? [Int]))
        }
        return records
    }

    static func tokenizer(_ name: String, lowercase: Bool = false) throws -> KoBertTokenizer {
        try KoBertTokenizer(directory: modelFolder(name).path, lowercase: lowercase)
    }
}

/// Compares a fixture set against the Swift tokenizer; returns (checked, mismatch descriptions).
struct ParityCheck {
    var checked = 0
    var mismatches: [String] = []

    mutating func run(_ records: [Fixtures.Record], model: String) throws {
        let plain = try Fixtures.tokenizer(model)
        let lowered = try Fixtures.tokenizer(model, lowercase: true)
        for (line, record) in records.enumerated() {
            let tokenizer = record.lowercase ? lowered : plain
            checked += 1
            if let pair = record.pair, let maxLength = record.maxLength {
                let encoding = tokenizer.encode(record.text, pair: pair, maxLength: maxLength)
                if encoding.ids != record.inputIds || encoding.typeIds != record.tokenTypeIds {
                    mismatches.append("\(model) line \(line + 1) (pair): ids \(encoding.ids.prefix(12))… expected \(record.inputIds?.prefix(12) ?? [])…")
                }
                continue
            }
            let pieces = tokenizer.tokenize(record.text)
            let tokens = pieces.map(\.piece), ids = pieces.map(\.id)
            if tokens != record.tokens || ids != record.ids {
                mismatches.append("\(model) line \(line + 1) [\(record.source)] \(record.text.debugDescription.prefix(80)): "
                                  + "got \(tokens.prefix(20)) \(ids.prefix(20)) expected \(record.tokens?.prefix(20) ?? []) \(record.ids?.prefix(20) ?? [])")
            }
            if let expected = record.sentencePieceIds {
                let got = tokenizer.sentencePiece.encode(record.text).map(\.id)
                if got != expected {
                    mismatches.append("\(model) line \(line + 1) sentencepiece ids: got \(got.prefix(20)) expected \(expected.prefix(20))")
                }
            }
        }
    }
}
