import KoBERTCore

/// Which task a model's weights were trained for, from the head tensors they hold. Used when
/// config.json names no `architectures` (older or hand-written configs), and to refuse an explicit
/// task the weights contradict (a sequence classifier run as a token classifier would answer
/// nonsense without any error).
public enum TaskInference {
    /// What the head tensors say. `tasks` lists every task the weights can serve; `likely` is the one
    /// to pick when nothing else is known.
    public struct Evidence: Sendable, Equatable {
        public let likely: ModelTask
        public let tasks: Set<ModelTask>
        /// The head tensors the evidence rests on, for messages.
        public let tensors: [String]
        /// What kind of head they make, for messages.
        public let head: String
    }

    /// - `qa_outputs` → qa.
    /// - `classifier` with DistilBERT's `pre_classifier` → nsmc (sequence classification).
    /// - `classifier` with BERT's `pooler.dense` → nsmc, or ner: transformers before 3.x saved the
    ///   pooler with token classifiers too. Labels that read as BIO tags pick ner.
    /// - RoBERTa's `classifier.dense` + `classifier.out_proj` → nsmc.
    /// - `classifier` alone → ner (a classifier on every token's hidden state).
    /// - no head → embed.
    /// `embed` is always possible: it uses the encoder only.
    public static func evidence(_ weights: any WeightStore) -> Evidence {
        let config = weights.config
        if weights.has("qa_outputs.weight") {
            return Evidence(likely: .qa, tasks: [.qa, .embed], tensors: ["qa_outputs.weight"], head: "question-answering")
        }
        if config.architecture == .roberta, weights.has("classifier.out_proj.weight") {
            return Evidence(likely: .nsmc, tasks: [.nsmc, .embed], tensors: ["classifier.dense.weight", "classifier.out_proj.weight"],
                            head: "sequence-classification")
        }
        guard weights.has("classifier.weight") else { return Evidence(likely: .embed, tasks: [.embed], tensors: [], head: "no") }
        if config.architecture == .distilbert, weights.has("pre_classifier.weight") {
            return Evidence(likely: .nsmc, tasks: [.nsmc, .embed], tensors: ["pre_classifier.weight", "classifier.weight"],
                            head: "sequence-classification")
        }
        if config.architecture == .bert, weights.has("pooler.dense.weight") {
            return Evidence(likely: looksLikeTags(config.id2label) ? .ner : .nsmc, tasks: [.nsmc, .ner, .embed],
                            tensors: ["pooler.dense.weight", "classifier.weight"], head: "classification")
        }
        return Evidence(likely: .ner, tasks: [.ner, .embed], tensors: ["classifier.weight"], head: "token-classification")
    }

    /// The task named by config.json's `architectures`, or nil when it names none of the heads.
    public static func fromArchitectures(_ config: ModelConfig) -> ModelTask? {
        for name in config.architectures {
            if name.hasSuffix("ForSequenceClassification") { return .nsmc }
            if name.hasSuffix("ForTokenClassification") { return .ner }
            if name.hasSuffix("ForQuestionAnswering") { return .qa }
        }
        return nil
    }

    /// `architectures` when it names a head, else the head tensors.
    public static func infer(_ weights: any WeightStore) -> ModelTask {
        fromArchitectures(weights.config) ?? evidence(weights).likely
    }

    /// Throws one line when the weights cannot serve `task`.
    public static func requireCompatible(_ task: ModelTask, _ weights: any WeightStore) throws {
        let found = evidence(weights)
        guard !found.tasks.contains(task) else { return }
        let held = found.tensors.isEmpty ? "no task head" : "a \(found.head) head (\(found.tensors.joined(separator: ", ")))"
        let choices = found.tasks.map(\.rawValue).sorted().joined(separator: " or ")
        throw KoBERTError("\(weights.source): --task \(task.rawValue) contradicts the weights, which hold \(held); use --task \(choices)")
    }

    /// NER label sets: "O" plus B-/I- tags either way round (B-PER or PER-B).
    static func looksLikeTags(_ id2label: [Int: String]) -> Bool {
        let names = Array(id2label.values)
        guard names.count >= 3, names.contains("O") else { return false }
        return names.allSatisfy { name in
            name == "O" || name.hasPrefix("B-") || name.hasPrefix("I-") || name.hasSuffix("-B") || name.hasSuffix("-I")
        }
    }
}
