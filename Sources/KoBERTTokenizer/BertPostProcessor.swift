/// HF tokenizers' BertProcessing: `[CLS] A [SEP]` or `[CLS] A [SEP] B [SEP]`, type id 0 through the
/// first [SEP] and 1 after it; the added tokens have no span (the reference reports (0, 0)).
struct BertPostProcessor: Sendable {
    let classifier: (token: String, id: Int)
    let separator: (token: String, id: Int)

    /// Truncates the way KoBertTokenizer.encode does (longest first, at most `maxLength` in all).
    func process(_ a: [TokenPiece], _ b: [TokenPiece]?, maxLength: Int) -> Encoding {
        var first = a
        var second = b
        let total = first.count + (second?.count ?? 0) + (second == nil ? 2 : 3)
        let remove = total - maxLength
        if remove > 0 {
            if second == nil {
                first.removeLast(min(remove, first.count))
            } else {
                // One token at a time from the longer side (ties: the second), like transformers.
                for _ in 0..<remove {
                    if first.count > second!.count { first.removeLast() }
                    else if !second!.isEmpty { second!.removeLast() }
                }
            }
        }
        var ids = [classifier.id], typeIds = [0], pieces = [classifier.token]
        var offsets: [(start: Int, end: Int)?] = [nil]
        func add(_ tokens: [TokenPiece], type: Int) {
            for token in tokens {
                ids.append(token.id); typeIds.append(type); pieces.append(token.piece)
                offsets.append((token.start, token.end))
            }
            ids.append(separator.id); typeIds.append(type); pieces.append(separator.token); offsets.append(nil)
        }
        add(first, type: 0)
        if let second { add(second, type: 1) }
        return Encoding(ids: ids, typeIds: typeIds, pieces: pieces, offsets: offsets, truncated: remove > 0)
    }
}
