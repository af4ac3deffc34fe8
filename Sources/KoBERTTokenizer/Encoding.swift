/// One token of `KoBertTokenizer.tokenize`: the piece as KoBertTokenizer writes it, its vocab.txt
/// id, and the code points `start..<end` of the ORIGINAL text it came from (an empty span for a
/// lone "▁", placed where the next word starts).
public struct TokenPiece: Equatable, Sendable {
    public var piece: String
    public var id: Int
    public var start: Int
    public var end: Int

    public init(piece: String, id: Int, start: Int, end: Int) {
        self.piece = piece
        self.id = id
        self.start = start
        self.end = end
    }
}

/// Model input for one text or a pair: `[CLS] A [SEP]` or `[CLS] A [SEP] B [SEP]`.
public struct Encoding: Sendable {
    public var ids: [Int]
    /// 0 for `[CLS] A [SEP]`, 1 for `B [SEP]` (BERT segment ids; DistilBERT ignores them).
    public var typeIds: [Int]
    public var pieces: [String]
    /// Code-point spans into the text each piece came from (A or B); nil for added specials and padding.
    public var offsets: [(start: Int, end: Int)?]
    /// Whether tokens were dropped to fit `maxLength`.
    public var truncated: Bool

    public init(ids: [Int], typeIds: [Int], pieces: [String], offsets: [(start: Int, end: Int)?], truncated: Bool) {
        self.ids = ids
        self.typeIds = typeIds
        self.pieces = pieces
        self.offsets = offsets
        self.truncated = truncated
    }

    public var count: Int { ids.count }

}
