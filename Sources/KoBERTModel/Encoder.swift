import Foundation
import KoBERTCore

/// The last hidden states of a batch, one block of rows per sequence (no padding).
public struct EncoderOutput: Sendable {
    public let hiddenSize: Int
    public let lengths: [Int]
    let starts: [Int]
    /// All rows packed: Σ lengths × hiddenSize.
    public let hidden: [Float]
    /// The encoder's profiler, so the head times itself into the same profile (nil when serving).
    var profiler: ForwardProfiler? = nil

    /// The hidden state of token `position` of sequence `index`.
    public func vector(_ index: Int, _ position: Int) -> ArraySlice<Float> {
        let offset = (starts[index] + position) * hiddenSize
        return hidden[offset..<offset + hiddenSize]
    }

    /// Every hidden state of sequence `index`, length × hiddenSize.
    public func sequence(_ index: Int) -> ArraySlice<Float> {
        let offset = starts[index] * hiddenSize
        return hidden[offset..<offset + lengths[index] * hiddenSize]
    }
}

/// DistilBertModel / BertModel / RobertaModel / XLMRobertaModel without a head: embeddings, then the transformer layers.
/// Safe to call from several threads; each call borrows its own workspace.
// @unchecked: weights are `let`s read by every call; `spareWorkspaces` is touched only under `lock`; `profiler` is
// set by its one caller (kobert bench) before its forwards and never by kobertd.
public final class Encoder: @unchecked Sendable {
    public let config: ModelConfig
    let embeddings: Embeddings
    let layers: [TransformerLayer]
    private let lock = NSLock()
    private var spareWorkspaces: [Workspace] = []
    /// Stage timings of every forward while set (`kobert bench --profile`). Set it only on an encoder of your
    /// own and only while no forward runs; a server's encoders leave it nil.
    public var profiler: ForwardProfiler?

    public init(_ weights: any WeightStore) throws {
        let config = weights.config
        // Readers validate already; a store built in code passes the same check before sizing anything.
        try config.validate(file: weights.source, minimumLayers: 0)
        self.config = config
        embeddings = try Embeddings(weights)
        layers = try (0..<config.numLayers).map { try TransformerLayer(weights, layer: $0) }
    }

    /// The largest token id the model accepts plus one.
    public var vocabularySize: Int { embeddings.words.rows }
    /// The longest sequence the position table covers.
    public var maxSequenceLength: Int { embeddings.maxLength }

    /// Checks ids, token types and length; the error names the offending value.
    public func validate(_ sequence: TokenSequence) throws { try embeddings.validate(sequence) }

    public func forward(_ batch: [TokenSequence], threads: Int = 2) throws -> EncoderOutput {
        for sequence in batch { try validate(sequence) }
        let packed = PackedBatch(batch)
        let workspace = borrowWorkspace(threads: threads)
        defer { returnWorkspace(workspace) }
        workspace.reserve(rows: packed.rows, longest: packed.longest)

        let profiler = profiler
        embeddings.embed(batch, into: workspace.hidden, scratch: workspace.query, profiler: profiler)
        for layer in layers { layer.forward(workspace, batch: packed, threads: workspace.threads, profiler: profiler) }
        let hidden = Array(UnsafeBufferPointer(start: workspace.hidden, count: packed.rows * config.hiddenSize))
        return EncoderOutput(hiddenSize: config.hiddenSize, lengths: packed.lengths, starts: packed.starts, hidden: hidden,
                             profiler: profiler)
    }

    private func borrowWorkspace(threads: Int) -> Workspace {
        lock.lock(); defer { lock.unlock() }
        if let index = spareWorkspaces.firstIndex(where: { $0.threads == max(1, threads) }) {
            return spareWorkspaces.remove(at: index)
        }
        return Workspace(hiddenSize: config.hiddenSize, intermediateSize: config.intermediateSize, threads: threads)
    }

    private func returnWorkspace(_ workspace: Workspace) {
        lock.lock(); defer { lock.unlock() }
        if spareWorkspaces.count < 4 { spareWorkspaces.append(workspace) }
    }
}
