import ArgumentParser
// Placeholder until issue 3's implementer replaces this file.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenize", abstract: "Tokenize stdin lines (not yet implemented).")
    func run() throws { throw ValidationError("tokenize is not implemented yet") }
}
