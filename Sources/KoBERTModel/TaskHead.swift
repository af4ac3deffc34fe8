import KoBERTCore

/// The head a task needs, loaded from the weights. config.json's `architectures`, when present,
/// must name a class with that head, and the head tensors must fit it (TaskInference), so a NER
/// checkpoint is never silently run as a classifier.
package enum TaskHead {
    case sequence(SequenceClassifier)
    case token(TokenClassifier)
    case span(SpanClassifier)
    case none

    package init(_ weights: any WeightStore, task: ModelTask) throws {
        let wanted: String? = switch task {
        case .nsmc: "ForSequenceClassification"
        case .ner: "ForTokenClassification"
        case .qa: "ForQuestionAnswering"
        case .embed: nil
        }
        let declared = weights.config.architectures
        if let wanted, !declared.isEmpty, !declared.contains(where: { $0.hasSuffix(wanted) }) {
            throw KoBERTError("\(weights.source): config.json architectures \(declared) has no *\(wanted) head for --task \(task.rawValue)")
        }
        // Without architectures (or besides them) the head tensors must fit the task too.
        try TaskInference.requireCompatible(task, weights)
        switch task {
        case .nsmc: self = .sequence(try SequenceClassifier(weights))
        case .ner: self = .token(try TokenClassifier(weights))
        case .qa: self = .span(try SpanClassifier(weights))
        case .embed: self = .none
        }
    }

    package var labelCount: Int {
        switch self {
        case .sequence(let head): head.labelCount
        case .token(let head): head.labelCount
        case .span: 2
        case .none: 0
        }
    }
}
