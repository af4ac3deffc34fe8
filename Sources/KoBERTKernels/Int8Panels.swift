/// An int8 weight repacked for the integer kernels: output columns in panels of 16, k in groups of
/// `group` (2 for vpmaddwd-style kernels, 4 for VNNI dot products; k padded with zeros, columns past n zero).
/// For panel p and group g, 16·group bytes: [col 0: k = g·group …][col 1: …]…[col 15: …], i.e.
///   byte (p·groups + g)·16·group + group·j + (k mod group).
/// Pairs: sign-extended to int16, each 16-byte half is what `vpmaddwd` multiplies with a broadcast activation
/// pair to give 8 column sums; the generic kernel reads the same bytes. Quads: what `vpdpbusd` multiplies with
/// a broadcast quad of u8 activations, or `vpmaddubsw` with one when every |w| ≤ 63 (AVX2's narrow-weight route).
// @unchecked: `storage` and `columnSums128` are written only by the initialisers; afterwards everything is read-only.
final class Int8Panels: @unchecked Sendable {
    enum Layout: Int { case pairs = 2, quads = 4 }
    static let width = 16
    let layout: Layout
    let k: Int
    let n: Int
    let groups: Int
    let panelCount: Int
    let storage: UnsafeMutablePointer<Int8>
    /// max |w| over the weight: which kernels may run it exactly (KernelSet.int8Layout(weightMagnitude:)).
    let maxMagnitude: Int
    /// Quads only: 128 · Σ_k w[k][j] per column (padded to whole panels), to undo the +128 of u8 activations.
    private(set) var columnSums128: [Int32] = []

    var group: Int { layout.rawValue }
    var pairs: Int { groups }          // the pair layout's name for groups
    var paddedK: Int { groups * group }

    /// Zeroed storage for n × k.
    private init(layout: Layout, n: Int, k: Int, maxMagnitude: Int) {
        self.layout = layout; self.k = k; self.n = n; self.maxMagnitude = maxMagnitude
        groups = (k + layout.rawValue - 1) / layout.rawValue
        panelCount = (n + Int8Panels.width - 1) / Int8Panels.width
        let count = max(1, panelCount * groups * Int8Panels.width * layout.rawValue)
        storage = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 64).bindMemory(to: Int8.self, capacity: count)
        storage.initialize(repeating: 0, count: count)
    }

    /// From PyTorch layout [n][k]. Moves whole groups (2 or 4 bytes, contiguous in a source row) at a time:
    /// this runs for every Linear at model load, so it is part of the cold-start time.
    convenience init(values: UnsafePointer<Int8>, n: Int, k: Int, layout: Layout = .pairs) {
        self.init(values: values, n: n, k: k, layoutFor: { _ in layout })
    }

    /// Same, the layout chosen from the weight's max |w| (KernelSet.int8Layout), which is scanned once here.
    convenience init(values: UnsafePointer<Int8>, n: Int, k: Int, layoutFor choose: (_ maxMagnitude: Int) -> Layout) {
        let magnitude = Int8Panels.maxMagnitude(values, count: n * k)
        let layout = choose(magnitude)
        self.init(layout: layout, n: n, k: k, maxMagnitude: magnitude)
        let g = layout.rawValue, groupBytes = Int8Panels.width * g, whole = k / g
        for j in 0..<n {
            let source = UnsafeRawPointer(values + j * k)
            let column = UnsafeMutableRawPointer(storage + (j / Int8Panels.width) * groups * groupBytes + g * (j % Int8Panels.width))
            if g == 2 {
                for q in 0..<whole { column.storeBytes(of: source.loadUnaligned(fromByteOffset: 2 * q, as: UInt16.self), toByteOffset: q * groupBytes, as: UInt16.self) }
            } else {
                for q in 0..<whole { column.storeBytes(of: source.loadUnaligned(fromByteOffset: 4 * q, as: UInt32.self), toByteOffset: q * groupBytes, as: UInt32.self) }
            }
            for kk in (whole * g)..<k { column.storeBytes(of: values[j * k + kk], toByteOffset: (kk / g) * groupBytes + kk % g, as: Int8.self) }
        }
        if layout == .quads { computeColumnSums { kk, j in values[j * k + kk] } }
    }

    /// The same weight in another layout.
    convenience init(repacking other: Int8Panels, layout: Layout) {
        self.init(layout: layout, n: other.n, k: other.k, maxMagnitude: other.maxMagnitude)
        for j in 0..<n { for kk in 0..<k { storage[offset(kk, j)] = other.storage[other.offset(kk, j)] } }
        if layout == .quads { computeColumnSums { kk, j in other.storage[other.offset(kk, j)] } }
    }

    /// max |v| (Int8.min counts as 128): it runs over every weight at load, so a plain min/max loop, which the
    /// compiler vectorises (Swift's SIMD types measured ~10 ns per value here).
    static func maxMagnitude(_ values: UnsafePointer<Int8>, count: Int) -> Int {
        var low: Int8 = 0, high: Int8 = 0
        for i in 0..<count { low = min(low, values[i]); high = max(high, values[i]) }
        return max(Int(high), -Int(low))
    }

    private func computeColumnSums(_ value: (_ kk: Int, _ j: Int) -> Int8) {
        var sums = [Int32](repeating: 0, count: panelCount * Int8Panels.width)
        for j in 0..<n {
            var sum: Int32 = 0
            for kk in 0..<k { sum += Int32(value(kk, j)) }
            sums[j] = 128 * sum
        }
        columnSums128 = sums
    }

    deinit { storage.deallocate() }

    @inline(__always) func offset(_ kk: Int, _ j: Int) -> Int {
        Int8Panels.offset(kk, j, groups: groups, group: layout.rawValue)
    }

    @inline(__always) static func offset(_ kk: Int, _ j: Int, groups: Int, group g: Int) -> Int {
        ((j / width) * groups + kk / g) * width * g + g * (j % width) + kk % g
    }

    @inline(__always) func panel(_ p: Int) -> UnsafePointer<Int8> {
        UnsafePointer(storage + p * groups * Int8Panels.width * layout.rawValue)
    }
}
