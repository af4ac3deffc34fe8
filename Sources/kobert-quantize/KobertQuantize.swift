import ArgumentParser

@main
struct KobertQuantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kobert-quantize",
        abstract: "Pack a DistilBERT / BERT / RoBERTa / XLM-R checkpoint (DistilKoBERT, KoBERT, multilingual-e5, …) into one int8 (or fp16 / fp32) model file.",
        discussion: """
        Usage:
          kobert-quantize MODEL_DIR -o OUT.kbt [--task auto|nsmc|ner|qa|embed]
              [--calibration FILE] [--keep-fp32 PATTERN ...]
              [--smooth ALPHA | --no-smooth] [--fidelity MEAN,WORST]
              [--linear-bits N] [--embedding-bits N]
              [--fp16 | --fp32]
          kobert-quantize inspect FILE.kbt [--verify] [--summary]
        'kobert-quantize pack --help' lists every option and its default.
        """,
        subcommands: [QuantizeCommand.self, InspectCommand.self],
        defaultSubcommand: QuantizeCommand.self)
}
