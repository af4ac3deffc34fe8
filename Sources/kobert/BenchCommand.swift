import ArgumentParser
// Placeholder until issue 4's implementer replaces this file.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Time forward passes (not yet implemented).")
    func run() throws { throw ValidationError("bench is not implemented yet") }
}
