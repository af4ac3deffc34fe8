/// A JSON decoding failure of the manifest as one short line: where (the key path) and what
/// (`DecodingError`'s own description spans a structure dump and may hold newlines).
enum ManifestDecodingFailure {
    static func describe(_ error: Error) -> String {
        guard let error = error as? DecodingError else { return oneLine("\(error)") }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "the manifest" : String(keys.drop(while: { $0 == "." }))
        }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return oneLine("\(path(context)): \(context.debugDescription)")
        case .keyNotFound(let key, let context):
            return oneLine("\(path(context)): missing key \(key.stringValue)")
        @unknown default:
            return oneLine("\(error)")
        }
    }

    private static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 }.prefix(300))
    }
}
