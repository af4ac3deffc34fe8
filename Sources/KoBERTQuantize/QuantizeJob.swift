import Foundation
import KoBERTCheckpoint
import KoBERTCore
import KoBERTModel
import KoBERTTokenizer
import KoBERTFormat
import KoBERTRuntime

/// Checkpoint folder → packed file: read, pack, measure against fp32, write atomically.
/// The command-line tool is a thin shell around this, and the tests drive it directly.
public struct QuantizeJob {
    public static let toolVersion = "kobert-quantize 1.0.0"

    public enum Calibration {
        case builtIn
        case textFile(String)
        /// Lines of space-separated token ids, [CLS] … [SEP] included.
        case idsFile(String)
    }

    public var modelDirectory: String
    public var output: String
    public var task: ModelTask? = nil                 // nil: inferred (config.json's architectures, else the head tensors)
    public var plan = QuantizationPlan()
    public var calibration: Calibration = .builtIn
    /// Used when the model folder has no tokenizer files; nil: none.
    public var tokenizerDirectory: String? = nil
    /// A tokenizer named explicitly must fit the model; the default one is skipped with a warning if not.
    public var tokenizerIsExplicit = false
    public var threads = 2
    public var calibrationMaxLength = 128
    /// Use only the first N calibration sequences (tests keep debug runs short); nil: all.
    public var calibrationLimit: Int? = nil
    public var compressionLevel: Int32 = 19

    public init(modelDirectory: String, output: String) {
        self.modelDirectory = modelDirectory; self.output = output
    }

    public struct Summary: Sendable {
        public var task: ModelTask
        public var sourceBytes: Int
        public var packedBytes: Int
        public var seconds: Double
        public var report: QuantizationReport
        public var ratio: Double { Double(sourceBytes) / Double(max(packedBytes, 1)) }
    }

    public func run(progress: (String) -> Void = { _ in }) throws -> Summary {
        let started = Date()
        try Self.checkOutputPath(output)   // before the slow part: a bad -o fails at once
        progress("reading \(modelDirectory)")
        let checkpoint = try Checkpoint.load(directory: modelDirectory)
        let config = checkpoint.config
        let reference = CheckpointWeights(config: config, tensors: checkpoint.tensors, source: modelDirectory)
        let task = self.task ?? TaskInference.infer(reference)
        // Before the slow part: --task ner on a sequence classifier's weights is refused at once.
        try TaskInference.requireCompatible(task, reference)
        if plan.mode == .int8 {
            let prefixes = checkpoint.tensors.compactMap { name, tensor -> String? in
                QuantizationPlan.isLinearWeight(name, shape: tensor.shape) || QuantizationPlan.isEmbeddingTable(name, shape: tensor.shape)
                    ? String(name.dropLast(".weight".count)) : nil
            }
            for pattern in plan.unmatchedKeepFloatPatterns(linearPrefixes: prefixes) {
                progress("warning: --keep-fp32 \(pattern) matches no Linear layer or embedding table; nothing kept in fp32 for it")
            }
        }
        let found = try findTokenizer(config: config, progress: progress)
        // Text is read before the slow part, so a bad calibration file fails fast.
        var sequences = try calibrationSequences(tokenizer: found, config: config)
        if case .builtIn = calibration, plan.mode == .int8 {
            if found == nil {
                // Token ids that are not the model's own text choose the grids and the smoothing on noise.
                progress("warning: \(modelDirectory) has no tokenizer, so the built-in Korean sample cannot be read and grids are chosen on pseudo-random ids; pass --calibration-ids FILE (token ids from the model's own tokenizer, one sentence a line)")
            } else if found!.files.kind != .koBertSentencePiece {
                // The sample is Korean reviews, news and questions, chosen for KoBERT's vocabulary.
                progress("warning: the built-in calibration sample is \(CalibrationSample.sentences.count) Korean review sentences, chosen for KoBERT; for this \(found!.files.kind.manifestName) model pass --calibration FILE with text like its inputs (one sentence a line)")
            }
        }
        if let calibrationLimit { sequences.ids = Array(sequences.ids.prefix(max(1, calibrationLimit))) }

        var activationMaxima: [String: [Float]] = [:]
        if plan.mode == .int8, plan.smoothing != nil {
            progress("recording activation ranges on \(sequences.ids.count) sequences for smoothing")
            let recorder = ActivationRecorder()
            let watched = try Predictor(weights: recorder.watching(reference), task: task, threads: threads)
            _ = try KoBERTQuantize.Calibration.outputs(watched, task: task, sequences.ids)
            activationMaxima = recorder.channelMaxima
        }
        var plan = self.plan
        var choice: SensitivityPass.Choice? = nil
        let measuresSmoothing = plan.mode == .int8 && plan.measuresSmoothing && plan.smoothing != nil
        let measuresGrids = !plan.measuredTensors(checkpoint.tensors.mapValues(\.shape)).isEmpty
        if measuresSmoothing || measuresGrids {
            // One fp32 run of the calibration sentences serves both measurements.
            var pass = try SensitivityPass(reference: reference, tensors: checkpoint.tensors, plan: plan,
                                           activationMaxima: activationMaxima, task: task, sequences: sequences.ids,
                                           threads: threads)
            if measuresSmoothing {
                let measured = try pass.chooseSmoothing()
                progress(measured.line)
                plan.smoothing = measured.smoothing
                pass.plan = plan
            }
            if measuresGrids {
                choice = try pass.run(progress: progress)
                plan.chosenBits = choice!.bits
            }
        }
        let writer = PackWriter(compressionLevel: compressionLevel)
        let entries = try Quantizer.pack(checkpoint.tensors, plan: plan, into: writer,
                                         activationMaxima: activationMaxima, progress: progress)
        let packedTokenizer = try found.map { try Quantizer.pack($0.files, maxLength: config.maxSequenceLength, into: writer) }
        progress("hashing source files")
        let sources = try sourceFiles()
        // One name per classifier row, as the runtime names them (LABEL_i where id2label has none).
        let labelLinear = config.labelLinearName(sequenceClassification: task == .nsmc) + ".weight"
        let classifierRows = task == .nsmc || task == .ner ? checkpoint.tensors[labelLinear]?.shape.first ?? 0 : 0
        let labels = (0..<classifierRows).map { config.id2label[$0] ?? "LABEL_\($0)" }
        let provenance = Provenance(tool: Self.toolVersion, created: ISO8601DateFormatter().string(from: Date()),
                                    sources: sources.map { SourceFile(file: $0.name, sha256: $0.sha256) })
        var manifest = PackManifest(config: config, task: task.rawValue, labels: labels, tokenizer: packedTokenizer,
                                    tensors: entries, quantization: nil, provenance: provenance)

        // Measure what will be loaded: write once to a scratch file, open it like any loader would.
        let scratch = AtomicOutput.temporaryPath(for: output) + ".calibration"
        AtomicOutput.registerScratch(scratch)
        defer { unlink(scratch); AtomicOutput.unregisterScratch() }
        try writer.write(manifest: manifest, to: scratch)
        progress("calibrating on \(sequences.ids.count) sequences (\(sequences.source))")
        let candidate = try PackedWeights(path: scratch, threads: threads)
        let keptFloat = plan.mode == .int8
            ? entries.filter { $0.dtype == .f32 && (QuantizationPlan.isLinearWeight($0.name, shape: $0.shape)
                                                   || QuantizationPlan.isEmbeddingTable($0.name, shape: $0.shape)) }.map(\.name)
            : []
        manifest.quantization = try KoBERTQuantize.Calibration(reference: reference, candidate: candidate, task: task, threads: threads)
            .measure(sequences.ids, source: sequences.source, mode: plan.mode, keptFloat: keptFloat,
                     smoothing: plan.mode == .int8 ? plan.smoothing : nil)
        if let choice {
            manifest.quantization!.fidelityBudget = plan.fidelity
            manifest.quantization!.budgetKept = choice.kept
            manifest.quantization!.tensorCosts = choice.costs
        }
        progress("writing \(output)")
        let packedBytes = try writer.write(manifest: manifest, to: output)
        return Summary(task: task, sourceBytes: sources.filter(\.isWeights).reduce(0) { $0 + $1.bytes },
                       packedBytes: packedBytes, seconds: Date().timeIntervalSince(started),
                       report: manifest.quantization!)
    }

    /// Fails with one line naming `output` unless it can be written: not a folder, and its parent
    /// folder exists and is writable (the temporary files are created next to it).
    public static func checkOutputPath(_ output: String) throws {
        guard !output.isEmpty else { throw KoBERTError("-o: the output path is empty") }
        var isDirectory: ObjCBool = false
        if output.hasSuffix("/") || (FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory) && isDirectory.boolValue) {
            throw KoBERTError("\(output): is a folder; -o must name the .kbt file to write")
        }
        let parent = URL(fileURLWithPath: output).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory) else {
            throw KoBERTError("\(output): cannot write there: folder \(parent) does not exist")
        }
        guard isDirectory.boolValue else {
            throw KoBERTError("\(output): cannot write there: \(parent) is not a folder")
        }
        guard access(parent, W_OK | X_OK) == 0 else {
            throw KoBERTError("\(output): cannot write there: folder \(parent) is not writable")
        }
    }

    // MARK: steps

    /// The model's tokenizer, as its files and built: the model folder's own, else `tokenizerDirectory`'s.
    struct FoundTokenizer {
        var files: TokenizerFileSet
        var tokenizer: any TextTokenizer
    }

    func findTokenizer(config: ModelConfig, progress: (String) -> Void) throws -> FoundTokenizer? {
        let candidates = [(modelDirectory, true)] + (tokenizerDirectory.map { [($0, tokenizerIsExplicit)] } ?? [])
        for (directory, mustFit) in candidates {
            guard let files = try TokenizerFileSet.read(directory: directory) else {
                if directory == tokenizerDirectory && tokenizerIsExplicit {
                    throw KoBERTError("\(directory): no tokenizer there (\(ModelLoader.tokenizerModelName) + vocab.txt, a tokenizer.json, or a WordPiece vocab.txt)")
                }
                continue
            }
            // Built now, so the vocabulary check counts what the packed model's tokenizer will read.
            let tokenizer = try files.load(source: directory)
            guard ModelLoader.fits(tokenizer, vocabularySize: config.vocabSize) else {
                let relation = tokenizer.requiresExactVocabulary ? "" : " (at most that many)"
                let message = "\(directory): the tokenizer has \(tokenizer.vocabularySize) ids, the model has \(config.vocabSize)\(relation)"
                if mustFit { throw KoBERTError(message) }
                progress("skipping tokenizer: \(message)")
                continue
            }
            progress("tokenizer: \(files.kind.manifestName) from \(directory)")
            return FoundTokenizer(files: files, tokenizer: tokenizer)
        }
        progress("no tokenizer found: the packed model will take token ids only")
        return nil
    }

    func calibrationSequences(tokenizer found: FoundTokenizer?, config: ModelConfig) throws -> (ids: [[Int]], source: String) {
        let maxLength = min(calibrationMaxLength, config.maxSequenceLength)
        func tokenize(_ lines: [String]) throws -> [[Int]] {
            guard let found else {
                throw KoBERTError("\(modelDirectory): text calibration needs a tokenizer; give --tokenizer DIR or --calibration-ids FILE")
            }
            return lines.map { found.tokenizer.encode($0, maxLength: maxLength).ids }
        }
        switch calibration {
        case .builtIn:
            if found != nil { return (try tokenize(CalibrationSample.sentences), "built-in sample") }
            return (Self.pseudoRandomIds(config: config, maxLength: maxLength), "pseudo-random token ids (no tokenizer)")
        case .textFile(let path):
            return (try tokenize(try Self.readLines(path)), path)
        case .idsFile(let path):
            let ids = try Self.readLines(path).enumerated().map { n, line -> [Int] in
                let ids = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }).map { Int($0) }
                guard !ids.isEmpty, ids.allSatisfy({ $0 != nil && $0! >= 0 && $0! < config.vocabSize }) else {
                    throw KoBERTError("\(path): line \(n + 1) is not a list of token ids below \(config.vocabSize)")
                }
                return Array(ids.map { $0! }.prefix(config.maxSequenceLength))
            }
            return (ids, path)
        }
    }

    /// Non-empty lines of a UTF-8 text file; anything else is one clear error.
    static func readLines(_ path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { throw KoBERTError("\(path): cannot read") }
        guard let text = String(data: data, encoding: .utf8) else { throw KoBERTError("\(path): not UTF-8 text") }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !lines.isEmpty else { throw KoBERTError("\(path): no text lines to calibrate on") }
        return lines
    }

    /// [CLS]=2 … [SEP]=3 (RoBERTa: <s>=0 … </s>=2) around ids from a fixed generator: reproducible
    /// when no tokenizer exists.
    static func pseudoRandomIds(config: ModelConfig, maxLength: Int) -> [[Int]] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let low = min(5, config.vocabSize - 1)
        let (first, last) = config.architecture == .roberta ? (0, 2) : (2, 3)
        return (0..<16).map { n in
            let length = max(3, min(maxLength, 8 + n * 4))
            return [first % config.vocabSize] + (0..<(length - 2)).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return low + Int((state >> 33) % UInt64(max(1, config.vocabSize - low)))
            } + [last % config.vocabSize]
        }
    }

    struct SourceEntry { var name: String; var sha256: String; var bytes: Int; var isWeights: Bool }

    func sourceFiles() throws -> [SourceEntry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: modelDirectory)) ?? []
        return try names.sorted().compactMap { name in
            let path = modelDirectory + "/" + name
            var isDirectory: ObjCBool = false
            guard !name.hasPrefix("."), FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
                  !isDirectory.boolValue else { return nil }
            let bytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
            let isWeights = [".safetensors", ".bin", ".pt", ".pth"].contains { name.hasSuffix($0) }
            return SourceEntry(name: name, sha256: try SHA256.hex(file: path), bytes: bytes, isWeights: isWeights)
        }
    }

}
