import XCTest
import KoBERTTokenizer
@testable import KoBERTRuntime

/// The runtime reads whichever tokenizer a folder holds, and keeps a vocabulary only where it fits the model.
final class TextTokenizerTests: XCTestCase {
    static let fixtures = CheckpointFixture.root.deletingLastPathComponent().appendingPathComponent("tokenizer-json")

    func testFolderTokenizerReadsTokenizerJSONWithTheSameIdsAsItsOwnLoader() throws {
        let folder = Self.fixtures.appendingPathComponent("unigram").path
        let loaded = try XCTUnwrap(try ModelLoader.folderTokenizer(folder))
        XCTAssertTrue(loaded is HFTokenizer)
        let direct = try HFTokenizer(directory: folder)
        for text in ["정말 재미있는 영화였어요", "시간 낭비였다. 지루하고 내용도 없음.", ""] {
            XCTAssertEqual(loaded.encode(text, maxLength: 64).ids, direct.encode(text, maxLength: 64).ids, text)
        }
        // The template's first and last specials are the sequence start and separator.
        let ids = loaded.encode("영화", maxLength: 64).ids
        XCTAssertEqual(ids.first, loaded.clsId)
        XCTAssertEqual(ids.last, loaded.sepId)
        XCTAssertNotEqual(loaded.clsId, loaded.sepId)
    }

    func testVocabularyFitRules() throws {
        let json = try XCTUnwrap(try ModelLoader.folderTokenizer(Self.fixtures.appendingPathComponent("unigram").path))
        let n = json.vocabularySize
        XCTAssertTrue(ModelLoader.fits(json, vocabularySize: n))
        XCTAssertTrue(ModelLoader.fits(json, vocabularySize: n + 35))     // embedding rows past the pieces (e5)
        XCTAssertFalse(ModelLoader.fits(json, vocabularySize: n - 1))     // ids the embedding does not have
        let kobert = try XCTUnwrap(try ModelLoader.folderTokenizer(CheckpointFixture.root.deletingLastPathComponent()
            .appendingPathComponent("tokenizer/bpe").path))
        XCTAssertTrue(kobert is KoBertTokenizer)
        XCTAssertTrue(ModelLoader.fits(kobert, vocabularySize: kobert.vocabularySize))
        XCTAssertFalse(ModelLoader.fits(kobert, vocabularySize: kobert.vocabularySize + 1))   // KoBERT: exact only
    }
}
