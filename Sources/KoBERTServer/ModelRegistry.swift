import Foundation
import Synchronization
import KoBERTProtocol

/// The models being served, one per task. A reload loads the new file completely before
/// swapping it in under the lock, so batches already running finish on the old model and a
/// corrupt or missing file leaves the old model serving.
public final class ModelRegistry: Sendable {
    public struct Entry: Sendable {
        public let spec: ModelSpec
        public let backend: any InferenceBackend
        public let loadedAt: Date
        public let generation: Int
    }

    public struct ReloadOutcome: Sendable, CustomStringConvertible {
        public let spec: ModelSpec
        public let error: String?   // nil: the new file is serving
        public var description: String { error.map { "\(spec): kept the old model: \($0)" } ?? "\(spec): reloaded" }
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let specs: [ModelSpec]
    public let loader: any BackendLoader

    public init(specs: [ModelSpec], loader: any BackendLoader) {
        self.specs = specs; self.loader = loader
    }

    /// Loads every model; the first failure is thrown (the daemon must not start half-configured).
    public func loadAll() throws {
        for spec in specs {
            let backend: any InferenceBackend
            do { backend = try loader.load(task: spec.task, path: spec.path) }
            catch { throw ModelLoadError("model \(spec): \(error)") }
            entries.withLock { $0[spec.task] = Entry(spec: spec, backend: backend, loadedAt: Date(), generation: 1) }
        }
    }

    /// Re-reads every model file; each one swaps in atomically or keeps the old model.
    public func reloadAll() -> [ReloadOutcome] {
        specs.map { spec in
            do {
                let backend = try loader.load(task: spec.task, path: spec.path)
                entries.withLock { entries in
                    let generation = (entries[spec.task]?.generation ?? 0) + 1
                    entries[spec.task] = Entry(spec: spec, backend: backend, loadedAt: Date(), generation: generation)
                }
                return ReloadOutcome(spec: spec, error: nil)
            } catch {
                return ReloadOutcome(spec: spec, error: "\(error)")
            }
        }
    }

    public func backend(for task: String) -> (any InferenceBackend)? {
        entries.withLock { $0[task]?.backend }
    }

    public var loaded: [Entry] {
        entries.withLock { $0.values.sorted { $0.spec.task < $1.spec.task } }
    }

    public var tasks: [String] { loaded.map(\.spec.task) }
}
