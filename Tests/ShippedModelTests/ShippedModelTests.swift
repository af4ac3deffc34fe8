import Foundation
import KoBERTModel
import KoBERTPack
import XCTest

/// The models a fresh clone serves (models/*.kbt, else the Hugging Face folders) load and
/// answer a few Korean sentences sensibly. Whatever kobertd serves by default is what is checked.
final class ShippedModelTests: XCTestCase {
    static let modelsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("models").path

    /// Every form of a shipped model that exists: the packed file and the fp32 folder.
    func shippedPaths(_ name: String) -> [String] {
        let candidates = ["\(Self.modelsDirectory)/\(name).kbt", "\(Self.modelsDirectory)/\(name)"]
        return candidates.filter { FileManager.default.fileExists(atPath: $0) }
    }

    func testShippedNSMCModelsTellPositiveFromNegative() throws {
        let paths = shippedPaths("nsmc")
        XCTAssertFalse(paths.isEmpty, "no NSMC model in models/")
        for path in paths {
            let predictor = try ModelLoader.load(path: path, task: .nsmc, threads: 1)
            let results = try predictor.classify([
                "정말 재밌고 감동적인 영화였어요. 배우들 연기도 최고! 강력 추천합니다",
                "시간 아깝다. 지루하고 내용도 없고 최악의 영화",
            ])
            XCTAssertEqual(results.map(\.label), ["positive", "negative"], path)
            for result in results {
                XCTAssertGreaterThan(result.probs.max() ?? 0, 0.8, "\(path): not confident: \(result.probs)")
            }
        }
    }

    func testShippedNERModelsFindPersonAndPlace() throws {
        let paths = shippedPaths("ner")
        XCTAssertFalse(paths.isEmpty, "no NER model in models/")
        let sentence = "이순신 장군은 서울 에서 태어나 한산도 에서 왜군을 크게 물리쳤다 ."
        let characters = Array(sentence.unicodeScalars)
        for path in paths {
            let predictor = try ModelLoader.load(path: path, task: .ner, threads: 1)
            let entities = try XCTUnwrap(predictor.ner([sentence]).first).entities
            let person = entities.first { $0.label == "PER" }
            let place = entities.first { $0.label == "LOC" }
            XCTAssertTrue(person?.text.hasPrefix("이순신") == true, "\(path): no person 이순신 in \(entities)")
            XCTAssertNotNil(place, "\(path): no LOC entity in \(entities)")
            for entity in entities {
                // Offsets are code points into the input: slicing gives the entity's text back.
                let slice = String(String.UnicodeScalarView(characters[entity.start..<entity.end]))
                XCTAssertEqual(slice, entity.text, path)
            }
        }
    }
}
