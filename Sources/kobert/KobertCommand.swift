import ArgumentParser

/// `kobert`: offline inference (predict, tokenize, bench) and the client of kobertd
/// (nsmc, ner, qa, embed, health, info, stats). Each subcommand lives in its own file.
@main
struct KobertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kobert",
        abstract: "DistilKoBERT Edge: Korean sentiment, NER, QA and embeddings on small Linux boxes.",
        discussion: """
        Offline (no daemon needed):
          kobert predict --model models/nsmc.kbt --task nsmc < reviews.txt
          kobert tokenize --tokenizer models/tokenizer < lines.txt
          kobert bench --model models/nsmc.kbt --seq-len 128
        Through kobertd (Unix socket):
          kobert nsmc "정말 재미있는 영화였어요"
          kobert ner "이순신은 한산도에서 싸웠다"
        """,
        subcommands: ClientCommands.all + [PredictCommand.self, TokenizeCommand.self, BenchCommand.self]
    )
}
