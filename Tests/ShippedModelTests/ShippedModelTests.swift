import Foundation
import KoBERTModel
import KoBERTRuntime
import KoBERTTestSupport
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

    /// `kobert predict` answers an empty line for the text "", as kobertd answers `texts: [""]`
    /// (both go through Predictor.classify), instead of an error only the offline path gave.
    func testPredictAnswersAnEmptyLineLikeTheDaemon() throws {
        let kobert = builtProduct("kobert")
        guard let kobert else { return XCTFail("kobert is not built next to the tests (Tools/test builds it: swift build --build-tests)") }
        let model = try XCTUnwrap(shippedPaths("nsmc").first, "no NSMC model in models/")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: kobert)
        process.arguments = ["predict", "--model", model, "--threads", "1"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data("\n정말 재밌다\n".utf8))
        try input.fileHandleForWriting.close()
        let lines = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n")
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertEqual(lines.count, 2, "\(lines)")
        let first = try XCTUnwrap(JSONSerialization.jsonObject(with: Data((lines.first ?? "").utf8)) as? [String: Any])
        XCTAssertNil(first["error"], "\(first)")
        let expected = try ModelLoader.load(path: model, task: .nsmc, threads: 1).classify([""])[0].label
        XCTAssertEqual(first["label"] as? String, expected)
    }

    /// Threads split the work, never the answer: 1, 3 and 6 threads give the same probabilities and entities.
    func testShippedModelsAnswerTheSameAtAnyThreadCount() throws {
        let reviews = ["정말 재밌고 감동적인 영화였어요", "시간 아깝다 최악", "그냥 그랬다. 배우는 좋았는데 이야기가 약하다", ""]
        let sentence = ["이순신 장군은 서울 에서 태어나 한산도 에서 왜군을 크게 물리쳤다 ."]
        for path in shippedPaths("nsmc") {
            let one = try ModelLoader.load(path: path, task: .nsmc, threads: 1).classify(reviews).map(\.probs)
            for threads in [3, 6] {
                XCTAssertEqual(try ModelLoader.load(path: path, task: .nsmc, threads: threads).classify(reviews).map(\.probs), one, "\(path), \(threads) threads")
            }
        }
        for path in shippedPaths("ner") {
            let one = try ModelLoader.load(path: path, task: .ner, threads: 1).ner(sentence).map { $0.entities.map { "\($0.label) \($0.start) \($0.end) \($0.score)" } }
            for threads in [3, 6] {
                let many = try ModelLoader.load(path: path, task: .ner, threads: threads).ner(sentence).map { $0.entities.map { "\($0.label) \($0.start) \($0.end) \($0.score)" } }
                XCTAssertEqual(many, one, "\(path), \(threads) threads")
            }
        }
    }
}
