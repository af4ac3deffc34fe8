import KoBERTTestSupport
import XCTest
@testable import KoBERTTokenizer

/// PieceTrie, built from sorted spellings: every piece found with its id (the first or the last of a
/// repeated spelling, as asked), nothing else found, prefixes answered as a plain map would.
final class PieceTrieTests: XCTestCase {
    /// Seeded pieces over a small alphabet (so they share prefixes and repeat), plus long and multi-byte ones.
    private func pieces() -> [[UInt8]] {
        var generator = SeededGenerator(seed: 7)
        let alphabet: [UInt8] = [0x00, 0x61, 0x62, 0x63, 0x80, 0xE2, 0x96, 0x81, 0xFF]
        var pieces: [[UInt8]] = [[], Array("▁".utf8), Array("▁한국".utf8), Array(repeating: 0x61, count: 40)]
        for _ in 0..<3000 {
            let length = Int(generator.next() % 12) + 1
            pieces.append((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
        }
        return pieces
    }

    func testEveryPieceIsFoundWithItsFirstOrLastId() {
        let pieces = pieces()
        var first: [[UInt8]: Int] = [:], last: [[UInt8]: Int] = [:]
        for (id, piece) in pieces.enumerated() where !piece.isEmpty {
            if first[piece] == nil { first[piece] = id }
            last[piece] = id
        }
        XCTAssertLessThan(first.count, pieces.count - 100, "the seeded set should repeat pieces")
        var spellings = PieceSpellings()
        for piece in pieces { spellings.append(piece) }
        let keepsFirst = PieceTrie(pieces: pieces.enumerated().map { ($1, $0) })
        let keepsLast = PieceTrie(spellings: spellings, repeated: .keepsLast)
        for (piece, id) in first { XCTAssertEqual(keepsFirst.exactMatch(piece), id, "\(piece)") }
        for (piece, id) in last { XCTAssertEqual(keepsLast.exactMatch(piece), id, "\(piece)") }
        XCTAssertEqual(keepsFirst.exactMatch([]), -1)   // the empty piece is never stored
        // Strings that are not pieces: every prefix of every piece that is not itself one.
        for piece in pieces {
            for cut in 1..<max(1, piece.count) where first[Array(piece[..<cut])] == nil {
                XCTAssertEqual(keepsFirst.exactMatch(Array(piece[..<cut])), -1)
            }
        }
    }

    func testLongestPrefixMatchesAPlainMap() {
        let pieces = pieces()
        let known = Set(pieces.filter { !$0.isEmpty })
        let trie = PieceTrie(pieces: pieces.enumerated().map { ($1, $0) })
        for piece in pieces.prefix(500) {
            let text = piece + [0x62, 0x61, 0x63]
            let expected = (1...text.count).last { known.contains(Array(text[..<$0])) }
            let got = text.withUnsafeBufferPointer { trie.longestPrefixLength($0, from: 0, to: $0.count) }
            XCTAssertEqual(got, expected, "\(text)")
        }
    }
}
