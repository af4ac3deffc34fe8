/// What a model is used for; the names are those of `kobert predict --task`.
public enum ModelTask: String, CaseIterable, Codable, Sendable {
    case nsmc    // sequence classification (NSMC sentiment)
    case ner     // token classification (Naver NER)
    case qa      // extractive question answering (KorQuAD)
    case embed   // no head: pooled or full last hidden states
}

/// How `embed` turns a sequence's hidden states into its output.
public enum Pooling: String, CaseIterable, Codable, Sendable {
    case cls     // the [CLS] (first) token's hidden state
    case mean    // the mean over the sequence's real tokens (the attention mask)
    case none    // every token's hidden state
}
