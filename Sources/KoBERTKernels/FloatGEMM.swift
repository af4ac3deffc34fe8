/// The fp32 product driver shared by FloatLinear and Kernels.sgemm:
/// C[m × n] (+)= alpha · A[m × k] · B, B packed in panels; then bias and activation on each finished panel.
/// Threads split the panels (each core streams its own part of B); k is cut in blocks so a panel slice stays in L1.
enum FloatGEMM {
    static let kBlock = 256

    static func run(_ family: KernelFamily, m: Int, a: UnsafePointer<Float>, lda: Int, panels: FloatPanels,
                    c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float = 1, accumulate: Bool = false,
                    bias: UnsafePointer<Float>?, activation: FusedActivation, threads: Int) {
        run(family.kernels, m: m, a: a, lda: lda, panels: panels, c: c, ldc: ldc, alpha: alpha, accumulate: accumulate,
            bias: bias, activation: activation, threads: threads)
    }

    private static func run<K: KernelSet>(_ kernels: K.Type, m: Int, a: UnsafePointer<Float>, lda: Int, panels: FloatPanels,
                                          c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, accumulate: Bool,
                                          bias: UnsafePointer<Float>?, activation: FusedActivation, threads: Int) {
        let n = panels.n, k = panels.k
        guard m > 0, n > 0 else { return }
        if k == 0 {   // an empty sum: C keeps its values (accumulate) or becomes 0
            if !accumulate { for r in 0..<m { (c + r * ldc).initialize(repeating: 0, count: n) } }
            if bias != nil || activation != .none { K.epilogue(c: c, ldc: ldc, rows: m, cols: n, bias: bias, activation: activation) }
            return
        }
        let mr = K.floatTileRows
        let width = FloatPanels.width
        // Enough work per part to pay for waking a thread: ~1 MFLOP.
        let worthwhile = max(1, (2 * m * n * k) / 1_000_000)
        Parallel.run(threads: threads, maxParts: min(panels.panelCount, worthwhile)) { part, parts in
            let mine = Parallel.slice(panels.panelCount, part: part, parts: parts)
            var k0 = 0
            while k0 < k {
                let kc = min(kBlock, k - k0)
                let last = k0 + kc == k
                for p in mine {
                    let panel = UnsafePointer(panels.panel(p) + k0 * width)
                    let j0 = p * width, cols = min(width, n - j0)
                    var i0 = 0
                    while i0 < m {
                        K.floatTile(kc: kc, a: a + i0 * lda + k0, lda: lda, rows: min(mr, m - i0), panel: panel,
                                    c: c + i0 * ldc + j0, ldc: ldc, cols: cols, alpha: alpha, accumulate: accumulate || k0 > 0)
                        i0 += mr
                    }
                    if last && (bias != nil || activation != .none) {
                        K.epilogue(c: c + j0, ldc: ldc, rows: m, cols: cols, bias: bias.map { $0 + j0 }, activation: activation)
                    }
                }
                k0 += kc
            }
        }
    }
}
