/// KoBERT's vocab.txt: one token a line, its line number is its id. Read the way KoBertTokenizer
/// reads it: Python text-mode lines (\n, \r\n or \r), each token .strip()-ped, a repeated token keeps
/// its last line.
struct Vocabulary {
    let tokens: [String]
    let ids: [String: Int]
    let unknownId: Int

    init(text: String, source: String) throws {
        var tokens: [String] = []
        var current: [Unicode.Scalar] = []
        var previousWasCR = false
        func finishLine() {
            var lo = 0, hi = current.count
            while lo < hi, UnicodeData.isWhitespace(current[lo].value) { lo += 1 }
            while hi > lo, UnicodeData.isWhitespace(current[hi - 1].value) { hi -= 1 }
            var token = String.UnicodeScalarView()
            token.append(contentsOf: current[lo..<hi])
            tokens.append(String(token))
            current.removeAll(keepingCapacity: true)
        }
        for scalar in text.unicodeScalars {
            if scalar == "\n" {
                if previousWasCR { previousWasCR = false; continue }
                finishLine()
            } else if scalar == "\r" {
                finishLine()
                previousWasCR = true
                continue
            } else {
                current.append(scalar)
            }
            previousWasCR = false
        }
        if !current.isEmpty { finishLine() }
        var ids: [String: Int] = [:]
        ids.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() { ids[token] = id }
        guard let unknownId = ids["[UNK]"] else {
            throw TokenizerError("\(source): vocab.txt has no [UNK] line (\(tokens.count) lines read)")
        }
        self.tokens = tokens
        self.ids = ids
        self.unknownId = unknownId
    }

    /// convert_tokens_to_ids: unknown tokens become [UNK].
    @inline(__always)
    func id(_ token: String) -> Int { ids[token] ?? unknownId }
}
