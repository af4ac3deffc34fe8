import Foundation
import KoBERTKernels

/// Runs body(index) for index in 0..<count on up to `threads` cores; each worker gets its
/// own number (0..<workers) so it can use its own scratch buffer.
func parallelFor(_ count: Int, threads: Int, _ body: (_ worker: Int, _ index: Int) -> Void) {
    let workers = max(1, min(threads, count))
    if workers == 1 {
        for index in 0..<count { body(0, index) }
        return
    }
    WorkerPool.run(parts: workers) { worker in
        var index = worker
        while index < count { body(worker, index); index += workers }
    }
}
