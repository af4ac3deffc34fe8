import ArgumentParser
import Foundation
import KoBERTClient
import KoBERTProtocol

/// The kobertd client subcommands (nsmc, ner, qa, embed, health, info, stats). Each talks to
/// the daemon over its Unix socket through KoBERTClient; `--json` prints machine output.
enum ClientCommands {
    static let all: [ParsableCommand.Type] = [
        ClientNSMCCommand.self, ClientNERCommand.self, ClientQACommand.self, ClientEmbedCommand.self,
        ClientHealthCommand.self, ClientInfoCommand.self, ClientStatsCommand.self, ClientBenchServerCommand.self,
    ]
}

/// Options every client subcommand takes.
struct ClientOptions: ParsableArguments {
    @Option(help: "kobertd socket (default: $RUNTIME_DIRECTORY, /run/kobertd, $XDG_RUNTIME_DIR, then ./kobertd.sock).")
    var socket: String?

    @Option(help: "Seconds to wait for the daemon's answers before giving up.")
    var timeout: Double = 120

    @Flag(help: "Print JSON (one object per input line, in order) instead of text.")
    var json = false

    func validate() throws {
        if let problem = KoBERTClient.timeoutProblem(timeout) { throw ValidationError(problem) }
    }

    func connect() throws -> KoBERTClient {
        let path = socket ?? KoBERTClient.defaultSocketPath()
        do { return try KoBERTClient(socketPath: path, responseTimeoutSeconds: timeout) }
        catch { throw ClientFailure("\(error) (is kobertd running? see `kobertd --help`)") }
    }
}

/// A one-line failure printed as "kobert: …" with exit code 1 (connection) or 2 (server error).
struct ClientFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Texts from the arguments, else stdin one per line. Empty lines are sent too (the daemon
/// answers them), so output line N always belongs to input line N.
func readTexts(_ arguments: [String]) -> [String] {
    if !arguments.isEmpty { return arguments }
    var texts: [String] = []
    while let line = readLine(strippingNewline: true) { texts.append(line) }
    return texts
}

/// Runs a client call, turning errors into one line and an exit code.
func runClient(_ body: () async throws -> Void) async throws {
    do { try await body() }
    catch let e as RPCError {
        FileHandle.standardError.write(Data("kobert: \(e)\n".utf8)); throw ExitCode(2)
    } catch let e as ClientFailure {
        FileHandle.standardError.write(Data("kobert: \(e)\n".utf8)); throw ExitCode(1)
    } catch let e as KoBERTClient.ClientError {
        FileHandle.standardError.write(Data("kobert: \(e)\n".utf8)); throw ExitCode(1)
    }
}

/// Sends texts in chunks the daemon accepts (64 per request by default), keeping input order.
func inChunks<T>(_ texts: [String], size: Int = 64, _ call: ([String]) async throws -> [T]) async throws -> [T] {
    var out: [T] = []
    var start = 0
    while start < texts.count {
        let end = min(start + size, texts.count)
        out += try await call(Array(texts[start..<end]))
        start = end
    }
    return out
}

/// The shape of every per-text client command: texts from arguments or stdin, sent in chunks,
/// one answer printed per text (as JSON with --json, else by `printHuman`).
func runTextsCommand<T: Encodable>(_ arguments: [String], _ options: ClientOptions,
                                   call: @escaping (KoBERTClient, [String]) async throws -> [T],
                                   printHuman: (String, T) -> Void) async throws {
    try await runClient {
        let inputs = readTexts(arguments)
        let client = try options.connect()
        defer { client.close() }
        let answers = try await inChunks(inputs) { try await call(client, $0) }
        for (text, answer) in zip(inputs, answers) {
            if options.json { try printJSONLine(answer) } else { printHuman(text, answer) }
        }
    }
}

func printJSONLine(_ value: some Encodable) throws {
    print(try JSONValue(encoding: value).jsonString)
}

struct ClientNSMCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "nsmc", abstract: "Sentiment of Korean reviews, via kobertd.")
    @OptionGroup var options: ClientOptions
    @Argument(help: "Texts (default: stdin, one per line).") var texts: [String] = []

    func run() async throws {
        try await runTextsCommand(texts, options, call: { try await $0.nsmc($1) }) { text, p in
            print("\(p.label)\t\(String(format: "%.3f", p.score))\(p.truncated == true ? "\t(truncated)" : "")\t\(text)")
        }
    }
}

struct ClientNERCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ner", abstract: "Named entities in Korean text, via kobertd.")
    @OptionGroup var options: ClientOptions
    @Argument(help: "Texts (default: stdin, one per line).") var texts: [String] = []

    func run() async throws {
        try await runTextsCommand(texts, options, call: { try await $0.ner($1) }) { text, p in
            print(text + (p.truncated == true ? "  (truncated)" : ""))
            if p.entities.isEmpty { print("  (no entities)") }
            for e in p.entities { print("  \(e.label)\t\(e.text)\t[\(e.start), \(e.end))\t\(String(format: "%.3f", e.score))") }
        }
    }
}

struct ClientQACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "qa", abstract: "Extractive question answering, via kobertd.")
    @OptionGroup var options: ClientOptions
    @Option(help: "The question.") var question: String
    @Option(help: "The passage holding the answer.") var context: String

    func run() async throws {
        try await runClient {
            let client = try options.connect()
            defer { client.close() }
            let a = try await client.qa(question: question, context: context)
            if options.json { try printJSONLine(a) }
            else { print("\(a.answer)\t[\(a.start), \(a.end))\t\(String(format: "%.3f", a.score))") }
        }
    }
}

struct ClientEmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "embed", abstract: "Sentence embeddings, via kobertd (one JSON array per line).")
    @OptionGroup var options: ClientOptions
    @Option(help: "cls or mean.") var pooling: String = "cls"
    @Argument(help: "Texts (default: stdin, one per line).") var texts: [String] = []

    func run() async throws {
        guard let pool = Pooling(rawValue: pooling) else { throw ValidationError("--pooling must be cls or mean") }
        try await runClient {
            let inputs = readTexts(texts)
            let client = try options.connect()
            defer { client.close() }
            let vectors = try await inChunks(inputs) { try await client.embed($0, pooling: pool) }
            for v in vectors { print(JSONValue.array(v.map { .double($0) }).jsonString) }
        }
    }
}

/// health, info and stats share one shape: call, then print JSON or an indented outline.
protocol ClientStatusCommand: AsyncParsableCommand {
    var options: ClientOptions { get }
    static var method: String { get }
}

extension ClientStatusCommand {
    func run() async throws {
        try await runClient {
            let client = try options.connect()
            defer { client.close() }
            let result = try await client.call(Self.method)
            if options.json { print(result.jsonString) } else { printOutline(result, indent: "") }
        }
    }
}

func printOutline(_ value: JSONValue, indent: String) {
    guard case .object(let o) = value else { print(indent + value.jsonString); return }
    for key in o.keys.sorted() {
        let v = o[key]!
        switch v {
        case .object(let inner) where !inner.isEmpty:
            print("\(indent)\(key):")
            printOutline(v, indent: indent + "  ")
        case .double, .number: print("\(indent)\(key): \(String(format: "%.3f", v.doubleValue ?? .nan))")
        case .string(let s): print("\(indent)\(key): \(s)")
        default: print("\(indent)\(key): \(v.jsonString)")
        }
    }
}

struct ClientHealthCommand: ClientStatusCommand {
    static let configuration = CommandConfiguration(commandName: "health", abstract: "Is kobertd up? Exit 0 when it answers \"ok\".")
    static let method = "health"
    @OptionGroup var options: ClientOptions
}

struct ClientInfoCommand: ClientStatusCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "kobertd's version, models, manifests and limits.")
    static let method = "info"
    @OptionGroup var options: ClientOptions
}

struct ClientStatsCommand: ClientStatusCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Request counts, latency percentiles, batch sizes, queue depth, RSS.")
    static let method = "stats"
    @OptionGroup var options: ClientOptions
}
