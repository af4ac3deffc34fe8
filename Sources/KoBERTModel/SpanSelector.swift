/// The best answer span from start / end logits, as transformers' QA pipeline picks it:
/// maximise start + end logit over start ≤ end < start + maxLength, both inside the context.
package struct SpanSelector {
    let maxLength: Int

    package init(maxLength: Int) { self.maxLength = maxLength }

    /// `context` lists the token positions that belong to the context, ascending.
    /// Returns the positions (inclusive) and P(start)·P(end) with softmaxes over the context.
    package func best(start: [Float], end: [Float], context: [Int]) -> (first: Int, last: Int, score: Float)? {
        guard !context.isEmpty else { return nil }
        let startProbabilities = softmax(context.map { start[$0] })
        let endProbabilities = softmax(context.map { end[$0] })
        var best: (first: Int, last: Int, score: Float, logit: Float)?
        for (i, s) in context.enumerated() {
            var j = i
            // Context positions are contiguous in practice; the length limit is in tokens.
            while j < context.count, context[j] - s < maxLength {
                let logit = start[s] + end[context[j]]
                if best == nil || logit > best!.logit {
                    best = (s, context[j], startProbabilities[i] * endProbabilities[j], logit)
                }
                j += 1
            }
        }
        return best.map { ($0.first, $0.last, $0.score) }
    }
}
