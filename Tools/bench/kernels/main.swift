// Kernel throughput benchmark (not part of the package build). Run: Tools/bench/kernels/run.sh
// Uses @testable-free entry points: FloatLinear / Int8Linear / Kernels.sgemm with KOBERT_KERNEL choosing the family.
import Foundation
import KoBERTKernels

/// BENCH_CLOCK=cpu times the calling thread's CPU time (meaningful with THREADS=1 on a shared, busy machine).
let useCPUClock = ProcessInfo.processInfo.environment["BENCH_CLOCK"] == "cpu"
func now() -> Double {
    var ts = timespec()
    clock_gettime(useCPUClock ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Fastest of `iterations` runs after one warm-up: the machine is shared, so the minimum is the kernel's own speed.
func median(_ body: () -> Void, iterations: Int) -> Double {
    body()
    var times: [Double] = []
    for _ in 0..<iterations { let t = now(); body(); times.append(now() - t) }
    return times.min()!
}

let env = ProcessInfo.processInfo.environment
let threadsList = (env["THREADS"] ?? "1,2").split(separator: ",").map { Int($0)! }
let activation: FusedActivation = env["ACT"] == "none" ? .none : (env["ACT"] == "relu" ? .relu : .gelu)
let shapes: [(m: Int, n: Int, k: Int)] = [(128, 768, 768), (128, 3072, 768), (128, 768, 3072), (16, 3072, 768)]
print("family: \(KernelFamily.active.rawValue) activation: \(activation) (time = fastest of 20, clock \(useCPUClock ? "thread CPU" : "wall"))")
var rng = SystemRandomNumberGenerator()
for s in shapes {
    let w = (0..<(s.n * s.k)).map { _ in Float.random(in: -0.05...0.05, using: &rng) }
    let bias = (0..<s.n).map { _ in Float.random(in: -0.1...0.1, using: &rng) }
    let x = (0..<(s.m * s.k)).map { _ in Float.random(in: -1...1, using: &rng) }
    var y = [Float](repeating: 0, count: s.m * s.n)
    let fl = FloatLinear(weight: w, bias: bias, outFeatures: s.n, inFeatures: s.k)
    let q = Int8Quantizer.quantizePerChannel(weight: w, outFeatures: s.n, inFeatures: s.k)
    let il = Int8Linear(values: q.values, scales: q.scales, bias: bias, outFeatures: s.n, inFeatures: s.k)
    // A 7-bit grid (|w| ≤ 63): the AVX2 family runs it on its u8 × s8 route.
    let q7 = Int8Quantizer.quantizePerChannel(weight: w, outFeatures: s.n, inFeatures: s.k, bits: 7)
    let il7 = Int8Linear(values: q7.values, scales: q7.scales, bias: bias, outFeatures: s.n, inFeatures: s.k)
    for t in threadsList {
        let it = 20
        let tf = median({ x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in
            fl.apply(xp.baseAddress!, rows: s.m, into: yp.baseAddress!, activation: activation, threads: t) } } }, iterations: it)
        let ti = median({ x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in
            il.apply(xp.baseAddress!, rows: s.m, into: yp.baseAddress!, activation: activation, threads: t) } } }, iterations: it)
        let ti7 = median({ x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in
            il7.apply(xp.baseAddress!, rows: s.m, into: yp.baseAddress!, activation: activation, threads: t) } } }, iterations: it)
        let macs = Double(s.m * s.n * s.k)
        print(String(format: "m=%4d n=%4d k=%4d threads=%d  fp32 %.3f ms %.1f GFLOP/s   int8 %.3f ms %.1f GMAC/s   7-bit %.3f ms %.1f GMAC/s",
                     s.m, s.n, s.k, t, tf * 1e3, 2 * macs / tf / 1e9, ti * 1e3, macs / ti / 1e9, ti7 * 1e3, macs / ti7 / 1e9))
    }
}
// The same products with cold weights, as a forward meets them: each call takes the next of enough distinct
// Int8Linears that their weights (8-bit and 7-bit grids) exceed the last-level cache, so every call streams
// its weight from memory. The gap to the warm figures above is what memory costs at that m.
do {
    let n = 3072, k = 768, copies = 24   // 24 × 2.4 MB = 57 MB of int8 weight per grid
    let x = (0..<(128 * k)).map { _ in Float.random(in: -1...1, using: &rng) }
    var y = [Float](repeating: 0, count: 128 * n)
    func layers(bits: Int) -> [Int8Linear] {
        (0..<copies).map { _ in
            let w = (0..<(n * k)).map { _ in Float.random(in: -0.05...0.05, using: &rng) }
            let q = Int8Quantizer.quantizePerChannel(weight: w, outFeatures: n, inFeatures: k, bits: bits)
            return Int8Linear(values: q.values, scales: q.scales, bias: nil, outFeatures: n, inFeatures: k)
        }
    }
    let grids = [(8, layers(bits: 8)), (7, layers(bits: 7))]
    for m in [16, 64, 128] {
        for t in threadsList {
            var line = String(format: "cold weights m=%4d n=%4d k=%4d threads=%d", m, n, k, t)
            for (bits, ls) in grids {
                var next = 0
                let time = median({ x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in
                    ls[next % copies].apply(xp.baseAddress!, rows: m, into: yp.baseAddress!, activation: .none, threads: t)
                    next += 1 } } }, iterations: 3 * copies)
                line += String(format: "   %d-bit %.3f ms %.1f GMAC/s", bits, time * 1e3, Double(m * n * k) / time / 1e9)
            }
            print(line)
        }
    }
}

/// Q·Kᵀ then P·V for each of 12 heads of dim 64 (Q stands in for K and V), heads split over threads as the
/// encoder does; one seq × seq score block per head.
func attentionProducts(seq: Int, q: UnsafePointer<Float>, scores: UnsafeMutablePointer<Float>,
                       context: UnsafeMutablePointer<Float>, threads: Int) {
    let heads = 12, hd = 64, dim = heads * hd
    DispatchQueue.concurrentPerform(iterations: threads) { part in
        for h in stride(from: part, to: heads, by: threads) {
            let block = scores + h * seq * seq
            Kernels.sgemm(m: seq, n: seq, k: hd, alpha: 0.125, a: q + h * hd, lda: dim, b: q + h * hd, ldb: dim,
                          bTransposed: true, c: block, ldc: seq)
            Kernels.sgemm(m: seq, n: hd, k: seq, a: UnsafePointer(block), lda: seq, b: q + h * hd, ldb: dim,
                          bTransposed: false, c: context + h * hd, ldc: dim)
        }
    }
}

// Attention-shaped sgemm: 12 heads, seq 128, head dim 64 (scores Q·Kᵀ then P·V).
let seq = 128, heads = 12, hd = 64, dim = heads * hd
let qkv = (0..<(seq * dim)).map { _ in Float.random(in: -1...1, using: &rng) }
var scores = [Float](repeating: 0, count: heads * seq * seq)
var ctx = [Float](repeating: 0, count: seq * dim)
for t in threadsList {
    let ta = median({ qkv.withUnsafeBufferPointer { q in scores.withUnsafeMutableBufferPointer { sc in ctx.withUnsafeMutableBufferPointer { cx in
        attentionProducts(seq: seq, q: q.baseAddress!, scores: sc.baseAddress!, context: cx.baseAddress!, threads: t)
    } } } }, iterations: 20)
    let flops = 2.0 * 2 * Double(heads * seq * seq * hd)
    print(String(format: "attention seq=%d heads=%d threads=%d  %.3f ms %.1f GFLOP/s", seq, heads, t, ta * 1e3, flops / ta / 1e9))
}

// The products of a DistilKoBERT forward (3 layers, dim 768, FFN 3072, 12 heads): q, k, v, out, lin1+GELU,
// lin2 and the two attention products per layer. LayerNorm, softmax and embeddings are not included.
let layers = 3
func encoderProducts(seq: Int, threads: Int, int8: Bool) -> Double {
    let shapes = [(768, 768, FusedActivation.none), (768, 768, .none), (768, 768, .none), (768, 768, .none), (3072, 768, .gelu), (768, 3072, .none)]
    let ops: [(any LinearOperator, FusedActivation)] = shapes.map { (n, k, act) in
        let w = (0..<(n * k)).map { _ in Float.random(in: -0.05...0.05, using: &rng) }
        if int8 {
            let q = Int8Quantizer.quantizePerChannel(weight: w, outFeatures: n, inFeatures: k)
            return (Int8Linear(values: q.values, scales: q.scales, bias: [Float](repeating: 0, count: n), outFeatures: n, inFeatures: k), act)
        }
        return (FloatLinear(weight: w, bias: [Float](repeating: 0, count: n), outFeatures: n, inFeatures: k), act)
    }
    let x = (0..<(seq * 3072)).map { _ in Float.random(in: -1...1, using: &rng) }
    var y = [Float](repeating: 0, count: seq * 3072)
    var sc = [Float](repeating: 0, count: 12 * seq * seq)
    return median({
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in sc.withUnsafeMutableBufferPointer { s in
            for _ in 0..<layers {
                for (op, act) in ops { op.apply(xp.baseAddress!, rows: seq, into: yp.baseAddress!, activation: act, threads: threads) }
                attentionProducts(seq: seq, q: xp.baseAddress!, scores: s.baseAddress!, context: yp.baseAddress!, threads: threads)
            }
        } } }
    }, iterations: 10)
}
for seq in [16, 64, 128] {
    for t in threadsList {
        let f = encoderProducts(seq: seq, threads: t, int8: false), i = encoderProducts(seq: seq, threads: t, int8: true)
        print(String(format: "encoder products seq=%3d threads=%d  fp32 %.2f ms   int8 %.2f ms", seq, t, f * 1e3, i * 1e3))
    }
}

// Accuracy of the int8 path against fp32, FFN-1 shape at seq 128: Gaussian activations, then the same with
// 6 outlier channels ×60 (what trained BERTs show after LayerNorm), plain and with smoothing (α = 0.5).
func gaussian(_ count: Int) -> [Float] {
    (0..<count).map { _ in
        let u = Float.random(in: Float.ulpOfOne...1, using: &rng), v = Float.random(in: 0...1, using: &rng)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}
do {
    let m = 128, n = 3072, k = 768
    let w = gaussian(n * k).map { $0 * 0.02 }
    let fl = FloatLinear(weight: w, bias: nil, outFeatures: n, inFeatures: k)
    let plain = Int8Quantizer.quantizePerChannel(weight: w, outFeatures: n, inFeatures: k)
    let plainLayer = Int8Linear(values: plain.values, scales: plain.scales, bias: nil, outFeatures: n, inFeatures: k)
    for outliers in [false, true] {
        var x = gaussian(m * k)
        if outliers { for r in 0..<m { for ch in [3, 77, 300, 301, 555, 700] { x[r * k + ch] *= 60 } } }
        var maxima = [Float](repeating: 0, count: k)
        for r in 0..<m { for i in 0..<k { maxima[i] = max(maxima[i], abs(x[r * k + i])) } }
        let s = Int8Quantizer.smoothingScales(activationMaxAbs: maxima, weight: w, outFeatures: n, inFeatures: k)
        let sq = Int8Quantizer.quantizePerChannel(weight: w, outFeatures: n, inFeatures: k, inputChannelScales: s)
        let smoothLayer = Int8Linear(values: sq.values, scales: sq.scales, bias: nil, outFeatures: n, inFeatures: k, inputChannelScales: s)
        var want = [Float](repeating: 0, count: m * n), got = want
        fl.apply(x, rows: m, into: &want, activation: .none, threads: 2)
        for (name, layer) in [("plain", plainLayer), ("smoothed", smoothLayer)] {
            layer.apply(x, rows: m, into: &got, activation: .none, threads: 2)
            var dot = 0.0, na = 0.0, nb = 0.0, err = 0.0, worstRow = 1.0
            for r in 0..<m {
                var rd = 0.0, ra = 0.0, rb = 0.0
                for j in 0..<n {
                    let a = Double(got[r * n + j]), b = Double(want[r * n + j])
                    rd += a * b; ra += a * a; rb += b * b; err += (a - b) * (a - b)
                }
                dot += rd; na += ra; nb += rb
                worstRow = min(worstRow, rd / (ra * rb).squareRoot())
            }
            print(String(format: "int8 accuracy %@ inputs, %@: cosine %.6f, worst row %.6f, relative RMS error %.4f",
                         outliers ? "outlier" : "gaussian", name, dot / (na * nb).squareRoot(), worstRow, (err / nb).squareRoot()))
        }
    }
}
