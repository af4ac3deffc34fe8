import KoBERTCore

/// word + position (+ token type, BERT and RoBERTa) → LayerNorm. Positions are read from the
/// weights, so DistilBERT's sinusoidal table and learned tables load the same way.
struct Embeddings {
    let words: any EmbeddingTable
    let positions: any EmbeddingTable
    let tokenTypes: (any EmbeddingTable)?
    let norm: LayerNorm
    let source: String
    /// RoBERTa / XLM-R: the padding id, whose tokens take the padding position row while every
    /// other token counts on from `padding + 1`, as transformers numbers them. nil: positions 0, 1, 2, ….
    let positionPadding: Int?
    /// The row of the first real token (`ModelConfig.firstPosition`).
    let firstPosition: Int

    init(_ weights: any WeightStore) throws {
        let config = weights.config
        source = weights.source
        words = try Embeddings.table(weights, "embeddings.word_embeddings", dim: config.hiddenSize)
        positions = try Embeddings.table(weights, "embeddings.position_embeddings", dim: config.hiddenSize)
        tokenTypes = config.architecture == .distilbert
            ? nil : try Embeddings.table(weights, "embeddings.token_type_embeddings", dim: config.hiddenSize)
        positionPadding = config.architecture == .roberta ? config.padTokenId : nil
        firstPosition = config.firstPosition
        if let padding = positionPadding, positions.rows <= firstPosition {
            throw KoBERTError("\(source): tensor embeddings.position_embeddings.weight has \(positions.rows) rows, none after the padding row \(padding)")
        }
        norm = try LayerNorm(weights, prefix: "embeddings.LayerNorm", dim: config.hiddenSize,
                             epsilon: config.layerNormEps)
    }

    private static func table(_ weights: any WeightStore, _ prefix: String, dim: Int) throws -> any EmbeddingTable {
        let table = try weights.embedding(prefix)
        guard table.dim == dim, table.rows > 0 else {
            throw KoBERTError("\(weights.source): tensor \(prefix).weight has shape [\(table.rows), \(table.dim)], expected [_, \(dim)]")
        }
        return table
    }

    /// The longest sequence the position table covers (RoBERTa: rows after the padding row).
    var maxLength: Int { positions.rows - firstPosition }

    /// The position row of token `position` with id `id`; `counted`: the non-padding tokens before it,
    /// advanced here. RoBERTa: padding tokens sit on the padding row and do not advance the count
    /// (transformers' `create_position_ids_from_input_ids`).
    @inline(__always)
    func positionRow(_ id: Int, at position: Int, counted: inout Int) -> Int {
        guard let padding = positionPadding else { return position }
        if id == padding { return padding }
        counted += 1
        return padding + counted
    }

    /// Every token's position row (for tests and messages; `embed` computes them as it goes).
    func positionRows(_ ids: [Int]) -> [Int] {
        var counted = 0
        return ids.enumerated().map { positionRow($0.element, at: $0.offset, counted: &counted) }
    }

    /// Throws, naming the offending id, before any work is done.
    func validate(_ sequence: TokenSequence) throws {
        if sequence.ids.isEmpty { throw KoBERTError("empty token sequence") }
        let counted = positionPadding.map { padding in sequence.ids.lazy.filter { $0 != padding }.count } ?? sequence.ids.count
        if counted > maxLength {
            throw KoBERTError("sequence of \(sequence.ids.count) tokens is longer than the model's \(maxLength) positions")
        }
        for id in sequence.ids where id < 0 || id >= words.rows {
            throw KoBERTError("token id \(id) is out of range 0..<\(words.rows)")
        }
        // DistilBERT has no token types; a tokenizer's segment ids are simply not used.
        if let typeIds = sequence.typeIds, let tokenTypes {
            if typeIds.count != sequence.ids.count {
                throw KoBERTError("\(typeIds.count) token type ids for \(sequence.ids.count) tokens")
            }
            for t in typeIds where t < 0 || t >= tokenTypes.rows {
                throw KoBERTError("token type id \(t) is out of range 0..<\(tokenTypes.rows)")
            }
        }
    }

    /// Writes the embedded rows of every sequence, packed one after another, into `output`.
    /// `profiler`: nil except under `kobert bench --profile`.
    func embed(_ batch: [TokenSequence], into output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
               profiler: ForwardProfiler? = nil) {
        let dim = norm.dim
        var row = 0
        let started = profiler == nil ? 0 : ForwardProfiler.clock()   // profiling hook
        for sequence in batch {
            var counted = 0
            for (position, id) in sequence.ids.enumerated() {
                let target = output + row * dim
                words.copyRow(id, into: target)
                positions.copyRow(positionRow(id, at: position, counted: &counted), into: scratch)
                addScaled(scratch, 1, into: target, dim)
                if let tokenTypes {
                    tokenTypes.copyRow(sequence.typeIds?[position] ?? 0, into: scratch)
                    addScaled(scratch, 1, into: target, dim)
                }
                row += 1
            }
        }
        if let profiler { profiler.add(.embeddings, ForwardProfiler.clock() - started) }
        timed(profiler, .layerNorm) { norm.apply(output, adding: nil, rows: row) }
    }
}
