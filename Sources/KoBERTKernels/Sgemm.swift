/// General fp32 matrix products, for attention (scores = Q·Kᵀ, context = P·V) and anything else.
public enum Kernels {
    /// C = alpha · A · op(B), or C += alpha · A · op(B) when `accumulate`.
    ///
    /// All matrices are row-major with leading dimensions (the distance between rows, in floats):
    /// - A is m × k, `lda` ≥ k.
    /// - `bTransposed == false`: B is k × n, `ldb` ≥ n, op(B) = B       (P·V: B = V).
    /// - `bTransposed == true`:  B is n × k, `ldb` ≥ k, op(B) = Bᵀ      (Q·Kᵀ: B = K).
    /// - C is m × n, `ldc` ≥ n.
    /// One head of a [seq, heads·dim] tensor is a view with lda = heads·dim and the pointer moved by head·dim.
    /// `threads` splits the columns of C; 1 runs on the caller's thread. op(B) is packed into a reused
    /// scratch buffer (ScratchPool, k·n floats rounded up to whole panels): nothing is allocated per call.
    public static func sgemm(m: Int, n: Int, k: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int, bTransposed: Bool,
                             c: UnsafeMutablePointer<Float>, ldc: Int,
                             accumulate: Bool = false, threads: Int = 1) {
        sgemm(m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, bTransposed: bTransposed,
              c: c, ldc: ldc, accumulate: accumulate, threads: threads, family: KernelFamily.active)
    }

    static func sgemm(m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                      b: UnsafePointer<Float>, ldb: Int, bTransposed: Bool,
                      c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, threads: Int, family: KernelFamily) {
        guard m > 0, n > 0 else { return }
        let floats = FloatPanels.floatCount(k: k, n: n)
        ScratchPool.withBuffer(bytes: floats * MemoryLayout<Float>.stride) { raw in
            let panels = FloatPanels(k: k, n: n, scratch: raw.bindMemory(to: Float.self, capacity: floats))
            if bTransposed { panels.pack(transposedRows: b, ld: ldb) } else { panels.pack(rows: b, ld: ldb) }
            FloatGEMM.run(family, m: m, a: a, lda: lda, panels: panels, c: c, ldc: ldc, alpha: alpha,
                          accumulate: accumulate, bias: nil, activation: .none, threads: threads)
        }
    }

}
