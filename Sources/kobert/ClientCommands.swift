import ArgumentParser
// Placeholder until issue 5's implementer replaces this file with nsmc/ner/qa/embed/health/info/stats.
enum ClientCommands {
    static let all: [ParsableCommand.Type] = []
}
