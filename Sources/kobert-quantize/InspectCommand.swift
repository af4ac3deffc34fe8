import ArgumentParser
import Foundation
import KoBERTCore
import KoBERTFormat
import KoBERTQuantize
import KoBERTRuntime

/// `kobert-quantize inspect FILE`: the manifest, pretty-printed, after checking the header.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print a packed file's manifest (configuration, tensors, report, provenance).")

    @Argument(help: "A .kbt file written by kobert-quantize.")
    var file: String

    @Flag(help: "Also read every blob and check its CRC-32C, size and values as a load would.")
    var verify = false

    @Flag(help: "Only a short summary instead of the whole JSON manifest.")
    var summary = false

    func run() throws {
        do {
            let pack = try PackFile(path: file)
            // Every blob's checksum and size, and the value checks of a load (grids, finite scales).
            if verify { try PackedWeights(file: pack, threads: 1).verifyAll() }
            if summary {
                let m = pack.manifest
                let byType = Dictionary(grouping: m.tensors, by: \.dtype).mapValues(\.count)
                print("\(file): format \(m.formatVersion), \(m.config.architecture.rawValue), task \(m.task), \(m.tensors.count) tensors \(byType.map { "\($0.key.rawValue)×\($0.value)" }.sorted().joined(separator: " ")), \(pack.fileSize) bytes")
                let byBits = Dictionary(grouping: m.tensors.compactMap(\.bits), by: { $0 }).mapValues(\.count)
                if !byBits.isEmpty {
                    print("narrow i8 grids: " + byBits.sorted { $0.key < $1.key }.map { "\($0.key) bits ×\($0.value)" }.joined(separator: ", "))
                }
                if let q = m.quantization {
                    print(String(format: "%@: cosine mean %.6f worst %.6f", q.mode, q.meanCosine, q.worstCosine))
                    if let mean = q.pooledMeanCosine, let worst = q.pooledWorstCosine {
                        print(String(format: "mean-pooled: cosine mean %.6f worst %.6f", mean, worst))
                    }
                    if let budget = q.fidelityBudget {
                        print(String(format: "fidelity budget: cosine mean ≥ %g, worst ≥ %g (%@)", budget.meanCosine,
                                     budget.worstCosine, q.budgetKept == true ? "kept" : "not kept"))
                    }
                    // What each measured grid costs: 1 − cosine added at the output, alone, on the calibration text.
                    for cost in q.tensorCosts ?? [] {
                        print(String(format: "  %d bits  cost mean %.2e worst %.2e  %@", cost.bits, cost.meanCost, cost.worstCost, cost.name))
                    }
                }
            } else {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(pack.manifest), as: UTF8.self))
            }
            if verify { FileHandle.standardError.write(Data("\(file): all checksums verified\n".utf8)) }
        } catch let error as KoBERTError {
            FileHandle.standardError.write(Data("kobert-quantize: error: \(error.message)\n".utf8))
            throw ExitCode.failure
        }
    }
}
