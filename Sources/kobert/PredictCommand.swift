import ArgumentParser
// Placeholder until issue 2's implementer replaces this file.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "predict", abstract: "Run a model on stdin lines (not yet implemented).")
    func run() throws { throw ValidationError("predict is not implemented yet") }
}
