/// HF tokenizers' BertProcessing: `[CLS] A [SEP]` or `[CLS] A [SEP] B [SEP]`, type id 0 through the
/// first [SEP] and 1 after it; the added tokens have no span (the reference reports (0, 0)).
struct BertPostProcessor: Sendable {
    let classifier: (token: String, id: Int)
    let separator: (token: String, id: Int)

    /// Truncates to at most `maxLength` tokens in all the way tokenizers' LongestFirst does: a
    /// single text loses its tail; a pair is cut so the shorter keeps what it can and the longer
    /// gets the rest, both halves of the budget when neither fits.
    func process(_ a: [TokenPiece], _ b: [TokenPiece]?, maxLength: Int) -> Encoding {
        var first = a
        var second = b
        let truncated = truncateLongestFirst(&first, &second, budget: max(0, maxLength - (second == nil ? 2 : 3)))
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
        return Encoding(ids: ids, typeIds: typeIds, pieces: pieces, offsets: offsets, truncated: truncated)
    }
}

/// tokenizers' LongestFirst truncation to `budget` tokens (the post-processor's added ones already
/// subtracted): a single text loses its tail; a pair is cut so the shorter keeps what it can and the
/// longer gets the rest, both halves of the budget when neither fits. Returns whether it cut.
func truncateLongestFirst(_ first: inout [TokenPiece], _ second: inout [TokenPiece]?, budget: Int) -> Bool {
    if second == nil {
        guard first.count > budget else { return false }
        first.removeLast(first.count - budget)
        return true
    }
    guard first.count + second!.count > budget else { return false }
    var n1 = first.count, n2 = second!.count
    let swapped = n1 > n2
    if swapped { Swift.swap(&n1, &n2) }
    n2 = n1 > budget ? n1 : max(n1, budget - n1)
    if n1 + n2 > budget { n1 = budget / 2; n2 = n1 + budget % 2 }
    if swapped { Swift.swap(&n1, &n2) }
    first.removeLast(max(0, first.count - n1))
    second!.removeLast(max(0, second!.count - n2))
    return true
}
