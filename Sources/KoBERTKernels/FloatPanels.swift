/// The right-hand matrix of an fp32 product, repacked for the tiled kernels:
/// columns in panels of `width` (16); inside a panel, k-major: panel p holds B[kk][16p + j] at
/// `p * k * 16 + kk * 16 + j`. Columns past `n` are zero so kernels never branch on the edge.
// @unchecked: only `let`s; `storage` is written by `pack` before the panels are shared (FloatLinear.init,
// or a local in sgemm) and only read afterwards.
final class FloatPanels: @unchecked Sendable {
    static let width = 16
    let k: Int
    let n: Int
    let panelCount: Int
    let storage: UnsafeMutablePointer<Float>
    /// False for panels packed into a caller's scratch (Kernels.sgemm), which the caller frees.
    private let ownsStorage: Bool

    /// Floats a k × n operand takes once packed (whole panels).
    static func floatCount(k: Int, n: Int) -> Int { max(1, (n + width - 1) / width * width * k) }

    init(k: Int, n: Int) {
        self.k = k; self.n = n
        panelCount = (n + FloatPanels.width - 1) / FloatPanels.width
        let count = FloatPanels.floatCount(k: k, n: n)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
        storage = raw.bindMemory(to: Float.self, capacity: count)
        storage.initialize(repeating: 0, count: count)
        ownsStorage = true
    }

    /// Panels in `scratch` (≥ floatCount(k:n:) floats, any contents): `pack` writes every float the kernels
    /// read, the zero columns past n included. Attention packs per head per call; this keeps it allocation-free.
    init(k: Int, n: Int, scratch: UnsafeMutablePointer<Float>) {
        self.k = k; self.n = n
        panelCount = (n + FloatPanels.width - 1) / FloatPanels.width
        storage = scratch
        ownsStorage = false
    }

    deinit { if ownsStorage { storage.deallocate() } }

    /// Start of panel p (k × 16 floats).
    @inline(__always) func panel(_ p: Int) -> UnsafeMutablePointer<Float> { storage + p * k * FloatPanels.width }

    /// B[kk][j], read back from the packed layout (the reference kernels use it).
    @inline(__always) func element(_ kk: Int, _ j: Int) -> Float {
        storage[(j / FloatPanels.width) * k * FloatPanels.width + kk * FloatPanels.width + j % FloatPanels.width]
    }

    /// Packs a PyTorch Linear weight [n][k] (row o = output feature o): B = Wᵀ.
    func pack(transposedRows w: UnsafePointer<Float>, ld: Int) {
        for p in 0..<panelCount {
            let dst = panel(p)
            for j in 0..<min(FloatPanels.width, n - p * FloatPanels.width) {
                let src = w + (p * FloatPanels.width + j) * ld
                for kk in 0..<k { dst[kk * FloatPanels.width + j] = src[kk] }
            }
        }
        zeroPastN()
    }

    /// Packs a row-major B [k][n] with leading dimension ld.
    func pack(rows b: UnsafePointer<Float>, ld: Int) {
        for p in 0..<panelCount {
            let dst = panel(p)
            let j0 = p * FloatPanels.width, width = min(FloatPanels.width, n - j0)
            for kk in 0..<k {
                let src = b + kk * ld + j0
                for j in 0..<width { dst[kk * FloatPanels.width + j] = src[j] }
            }
        }
        zeroPastN()
    }

    /// The last panel's columns past n, which scratch storage does not start zeroed.
    private func zeroPastN() {
        let used = n - (panelCount - 1) * FloatPanels.width
        guard panelCount > 0, used < FloatPanels.width else { return }
        let dst = panel(panelCount - 1)
        for kk in 0..<k { for j in used..<FloatPanels.width { dst[kk * FloatPanels.width + j] = 0 } }
    }
}
