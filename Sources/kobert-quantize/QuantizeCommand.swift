import ArgumentParser
import Foundation
import KoBERTCore
import KoBERTModel
import KoBERTFormat
import KoBERTQuantize
import KoBERTRuntime

/// `kobert-quantize MODEL_DIR -o OUT`: a Hugging Face checkpoint folder → one packed .kbt file.
struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pack",
        abstract: "Quantize a checkpoint folder into one packed model file (.kbt).",
        discussion: """
        Linear weights become int8 with one scale per output channel, embedding
        tables (word, position, token type) int8 with one scale per row. Each
        Linear and the word / position embeddings then get the narrowest grid
        (8 down to 4 bits) that keeps the fidelity budget: a sensitivity pass
        narrows each tensor alone on the calibration text, measures what that
        costs at the output, and chooses per tensor (--fidelity; the chosen
        model is run again to confirm). It spends only a quarter of the
        budget's 1 - cosine on the calibration sentences, so that text it
        never saw keeps the whole budget. Narrower grids make a smaller file
        (FORMAT.md). --linear-bits / --embedding-bits force a grid instead.
        LayerNorm parameters and biases stay fp32. Activations are quantized
        per token at run time.
        Outlier input channels of each Linear (common in trained BERTs) are
        tamed by SmoothQuant-style scaling fitted on the calibration text,
        kept where it measures better than none (unless --smooth / --no-smooth).
        The packed model is then run next to the fp32 checkpoint on the
        calibration text; the agreement is stored in the file and printed.
        The output appears only when complete (temporary file + rename); an
        error or interrupt leaves nothing behind. -o is checked before any
        work: its folder must exist and be writable, and it must not be a folder. Format: FORMAT.md.

        Examples:
          kobert-quantize models/nsmc -o models/nsmc.kbt
          kobert-quantize models/ner -o ner.kbt --calibration ner.txt \\
              --keep-fp32 classifier
          kobert-quantize models/nsmc -o nsmc-fp32.kbt --fp32   # reference
        """)

    @Argument(help: "Checkpoint folder (config.json + model.safetensors / pytorch_model.bin).")
    var modelDirectory: String

    @Option(name: [.short, .customLong("output")], help: "Packed file to write, e.g. models/nsmc.kbt.")
    var output: String

    @Option(help: "auto | nsmc | ner | qa | embed. auto reads config.json's architectures, else the head tensors (qa_outputs, pre_classifier, classifier). A task the weights contradict is an error.")
    var task: String = "auto"

    @Option(help: "UTF-8 text, one sentence per line, to compare int8 with fp32 on. Default: a built-in Korean sample.")
    var calibration: String?

    @Option(name: .customLong("calibration-ids"), help: "Instead of text: lines of space-separated token ids ([CLS] … [SEP]).")
    var calibrationIds: String?

    @Option(name: .customLong("keep-fp32"), parsing: .upToNextOption,
            help: "Linears and embedding tables to keep in fp32 (mixed precision): substrings or globs of the prefix, e.g. classifier 'transformer.layer.2.*' embeddings.word_embeddings. A pattern that matches nothing is warned about on stderr (the pack still proceeds).")
    var keepFP32: [String] = []

    @Option(name: .customLong("smooth"),
            help: "Outlier-aware scaling (SmoothQuant) strength α in 0…1: each Linear's input-channel ranges, measured on the calibration text, are moved into its per-channel weight scales. Default: α = 0.5 where it measures better than none on the calibration sentences (the summary says which was kept).")
    var smoothing: Float?

    @Flag(name: .customLong("no-smooth"), help: "Plain per-channel weights, no outlier-aware scaling.")
    var noSmoothing = false

    @Flag(name: .customLong("fp16"), help: "Store every tensor as fp16, nothing quantized.")
    var fp16 = false

    @Flag(name: .customLong("fp32"), help: "Store every tensor as fp32, nothing quantized (the reference).")
    var fp32 = false

    @Option(help: "Tokenizer folder (KoBERT tokenizer_78b3253a26.model + vocab.txt, a tokenizer.json, or a WordPiece vocab.txt [+ tokenizer_config.json]), used when MODEL_DIR has none (default: models/tokenizer if it exists and fits the model's vocabulary). The packed file carries the tokenizer's files verbatim.")
    var tokenizer: String?

    @Option(help: "Cores for compression and calibration.")
    var threads: Int = 2

    @Option(name: .customLong("zstd-level"), help: "zstd compression level (1…22).")
    var zstdLevel: Int = 19

    @Option(name: .customLong("embedding-bits"),
            help: "Force the word and position embedding grids to N bits (4…8; 8 = plain int8) instead of measuring them. Fewer bits: a smaller file and less memory at some fidelity.")
    var embeddingBits: Int?

    @Option(name: .customLong("linear-bits"),
            help: "Force every int8 Linear's grid to N bits (4…8; 8 = plain int8) instead of measuring each. Fewer bits: a smaller file (memory and speed are unchanged) at some fidelity.")
    var linearBits: Int?

    @Option(help: "Fidelity budget MEAN,WORST the measured grids must keep on unseen text: output cosine to fp32, mean and worst sentence (embed: [CLS] and mean-pooled; classifiers also keep plain int8's argmax agreement). On the calibration sentences the pass spends a quarter of each 1 - cosine (0.99975 / 0.99875 for the default).")
    var fidelity: String = "\(FidelityBudget.standard.meanCosine),\(FidelityBudget.standard.worstCosine)"

    func validate() throws {
        if fp16 && fp32 { throw ValidationError("--fp16 and --fp32 exclude each other") }
        if calibration != nil && calibrationIds != nil { throw ValidationError("give --calibration or --calibration-ids, not both") }
        if task != "auto" && ModelTask(rawValue: task) == nil { throw ValidationError("--task must be auto, nsmc, ner, qa or embed") }
        if !(1...22).contains(zstdLevel) { throw ValidationError("--zstd-level must be 1…22") }
        if let embeddingBits, !QuantizationPlan.bitsRange.contains(embeddingBits) { throw ValidationError("--embedding-bits must be 4…8") }
        if let linearBits, !QuantizationPlan.bitsRange.contains(linearBits) { throw ValidationError("--linear-bits must be 4…8") }
        if FidelityBudget(parsing: fidelity) == nil {
            throw ValidationError("--fidelity must be MEAN,WORST cosines in (0, 1] with WORST ≤ MEAN, e.g. 0.999,0.995")
        }
        if let smoothing, !(0...1).contains(smoothing) { throw ValidationError("--smooth must be in 0…1") }
        if smoothing != nil, noSmoothing { throw ValidationError("--smooth and --no-smooth exclude each other") }
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        AtomicOutput.removeOnInterrupt()
        var job = QuantizeJob(modelDirectory: modelDirectory, output: output)
        job.task = ModelTask(rawValue: task)
        job.plan = QuantizationPlan(mode: fp32 ? .fp32 : fp16 ? .fp16 : .int8, keepFloat: keepFP32,
                                    smoothing: noSmoothing ? nil : smoothing ?? 0.5, embeddingBits: embeddingBits,
                                    linearBits: linearBits, fidelity: FidelityBudget(parsing: fidelity)!)
        job.plan.measuresSmoothing = smoothing == nil && !noSmoothing
        if let calibration { job.calibration = .textFile(calibration) }
        if let calibrationIds { job.calibration = .idsFile(calibrationIds) }
        if let tokenizer {
            job.tokenizerDirectory = tokenizer
            job.tokenizerIsExplicit = true
        } else if let directory = ModelLoader.defaultTokenizerDirectory {
            job.tokenizerDirectory = directory
        }
        job.threads = threads
        job.compressionLevel = Int32(zstdLevel)
        do {
            let summary = try job.run { message in
                FileHandle.standardError.write(Data("kobert-quantize: \(message)\n".utf8))
            }
            print(Self.describe(summary, output: output))
        } catch let error as KoBERTError {
            FileHandle.standardError.write(Data("kobert-quantize: error: \(error.message)\n".utf8))
            throw ExitCode.failure
        }
    }

    static func describe(_ summary: QuantizeJob.Summary, output: String) -> String {
        let r = summary.report
        func mb(_ n: Int) -> String { String(format: "%.1f MB", Double(n) / 1_000_000) }
        var lines = [
            "wrote \(output) (task \(summary.task.rawValue), \(r.mode))",
            "size: \(mb(summary.sourceBytes)) → \(mb(summary.packedBytes)) (\(String(format: "%.2f", summary.ratio))× smaller) in \(String(format: "%.1f", summary.seconds)) s",
            "calibration: \(r.sentences) sequences from \(r.calibrationSource)",
        ]
        if let agreement = r.argmaxAgreement { lines.append(String(format: "  argmax agreement   %.4f", agreement)) }
        lines.append(String(format: "  cosine mean/worst  %.6f / %.6f%@", r.meanCosine, r.worstCosine,
                            summary.task == .embed ? " ([CLS] embedding)" : " (logits)"))
        if let mean = r.pooledMeanCosine, let worst = r.pooledWorstCosine {
            lines.append(String(format: "  cosine mean/worst  %.6f / %.6f (mean-pooled embedding)", mean, worst))
        }
        lines.append(String(format: "  logit error max/mean  %.5f / %.5f", r.maxLogitError, r.meanLogitError))
        lines.append("  per-layer relative error  " + r.layerErrors.map { String(format: "%.4f", $0) }.joined(separator: " "))
        lines.append("  outlier smoothing: " + (r.smoothing.map { String(format: "α = %.2f", $0) } ?? "off"))
        if !r.keptFloat.isEmpty { lines.append("  kept fp32: " + r.keptFloat.joined(separator: ", ")) }
        if let budget = r.fidelityBudget, let costs = r.tensorCosts {
            let byBits = Dictionary(grouping: costs, by: \.bits).mapValues(\.count)
            lines.append(String(format: "  fidelity budget cosine mean ≥ %g, worst ≥ %g: %@", budget.meanCosine, budget.worstCosine,
                                r.budgetKept == true ? "kept" : "NOT kept (even 8-bit grids miss it)"))
            lines.append("  measured grids: " + byBits.sorted { $0.key > $1.key }.map { "\($0.value) × \($0.key) bits" }.joined(separator: ", ")
                         + " (kobert-quantize inspect --summary lists each tensor)")
        }
        return lines.joined(separator: "\n")
    }
}
