import XCTest
@testable import KoBERTPack
// Replaced by the owner's real tests.
final class KoBERTPackPlaceholderTests: XCTestCase { func testModuleLinks() { XCTAssertTrue(true) } }
