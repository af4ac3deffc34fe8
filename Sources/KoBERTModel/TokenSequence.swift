/// One encoder input: token ids with [CLS] / [SEP] already in place, and, for BERT, the
/// segment of each token (nil means all 0). DistilBERT ignores token types.
public struct TokenSequence: Sendable, Equatable {
    public var ids: [Int]
    public var typeIds: [Int]?
    public init(ids: [Int], typeIds: [Int]? = nil) { self.ids = ids; self.typeIds = typeIds }
}

/// Where each sequence of a batch sits among the packed rows: the encoder never pads,
/// so no work is spent on padding and masking reduces to "attend within your own sequence".
struct PackedBatch {
    let starts: [Int]
    let lengths: [Int]
    var rows: Int { (starts.last ?? 0) + (lengths.last ?? 0) }
    var longest: Int { lengths.max() ?? 0 }

    init(_ batch: [TokenSequence]) {
        var starts: [Int] = [], row = 0
        for sequence in batch { starts.append(row); row += sequence.ids.count }
        self.starts = starts; lengths = batch.map { $0.ids.count }
    }
}
