#if arch(arm64)
import KoBERTKernelsARM
#endif
/// int8 Linear: y = dequant(quant(x) · Wqᵀ) + b, then the activation.
/// On AArch64 tiers the whole forward runs in KoBERTKernelsARM (ARMInt8Linear, ARMInt8Bridge.swift).
/// Weights: int8 [outFeatures][inFeatures] with one scale per output row (Int8Quantizer's format), repacked
/// once into the layout of the active kernel family (Int8Panels). Activations: quantized per row (per token)
/// on every call into one scratch buffer; exact int32 sums; dequantization fused into the tile store, bias
/// and activation per finished panel. Threads: rows are quantized in parallel, then output columns are split.
// @unchecked: only `let`s, and its Int8Panels are read-only once built in init; each call quantizes into
// its own scratch buffer (ScratchPool).
public final class Int8Linear: LinearOperator, @unchecked Sendable {
    public let inFeatures: Int
    public let outFeatures: Int
    /// Packed for KernelFamily.active; another family (tests) gets a repacked copy per call.
    let panels: Int8Panels
    /// One per output column, padded with zeros to whole panels (the kernels read 16 at a time).
    let columnScales: [Float]
    let bias: [Float]?
    /// 1 / s[k] of SmoothQuant-style smoothing, or nil.
    let inverseInputScales: [Float]?
    #if arch(arm64)
    /// On an AArch64 tier (KernelFamily.active), the weight packed for it by KoBERTKernelsARM; else nil.
    let arm: ARMInt8Linear?
    #endif

    /// `inputChannelScales`: when the weights were quantized with
    /// `Int8Quantizer.quantizePerChannel(weight:…, inputChannelScales: s)`, pass the same s; activation channel k
    /// is divided by s[k] before quantization.
    public init(values: [Int8], scales: [Float], bias: [Float]?, outFeatures: Int, inFeatures: Int,
                inputChannelScales: [Float]? = nil) {
        requireShape(values.count == outFeatures * inFeatures, "Int8Linear: \(values.count) values, want \(outFeatures)×\(inFeatures)")
        requireShape(scales.count == outFeatures, "Int8Linear: \(scales.count) scales, want \(outFeatures)")
        requireShape(bias == nil || bias!.count == outFeatures, "Int8Linear: bias has \(bias!.count) values, want \(outFeatures)")
        requireShape(inputChannelScales == nil || inputChannelScales!.count == inFeatures,
                     "Int8Linear: \(inputChannelScales!.count) input channel scales, want \(inFeatures)")
        self.outFeatures = outFeatures; self.inFeatures = inFeatures
        panels = values.withUnsafeBufferPointer {
            Int8Panels(values: $0.baseAddress!, n: outFeatures, k: inFeatures, layoutFor: KernelFamily.active.int8Layout(weightMagnitude:))
        }
        columnScales = scales + [Float](repeating: 0, count: panels.panelCount * Int8Panels.width - outFeatures)
        self.bias = bias
        inverseInputScales = inputChannelScales.map { $0.map { $0 != 0 && $0.isFinite ? 1 / $0 : 1 } }
        #if arch(arm64)
        arm = KernelFamily.active.armTier.map { tier in
            values.withUnsafeBufferPointer { ARMInt8Linear(values: $0.baseAddress!, n: outFeatures, k: inFeatures, tier: tier) }
        }
        #endif
    }

    public func apply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>,
                      activation: FusedActivation, threads: Int) {
        apply(input, rows: rows, into: output, activation: activation, threads: threads, family: KernelFamily.active)
    }

    /// Same, calling `afterQuantization` between the activation quantization and the product (profiling
    /// only: `kobert bench --profile` times the two apart; the serving path passes no closure).
    public func apply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>,
                      activation: FusedActivation, threads: Int, afterQuantization: () -> Void) {
        withoutActuallyEscaping(afterQuantization) { marker in
            apply(input, rows: rows, into: output, activation: activation, threads: threads, family: KernelFamily.active,
                  afterQuantization: marker)
        }
    }

    /// Same, with the kernel family named (tests run every family in one process); one this CPU cannot run
    /// is replaced by the active family. A family whose weight layout differs from the active one's repacks
    /// the weight on every call.
    public func apply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>,
                      activation: FusedActivation, threads: Int, family: KernelFamily,
                      afterQuantization: (() -> Void)? = nil) {
        let family = family.isAvailable ? family : KernelFamily.active
        guard rows > 0, outFeatures > 0 else { return }
        #if arch(arm64)
        if let tier = family.armTier {   // AArch64 tiers: KoBERTKernelsARM (ARMInt8Bridge.swift)
            applyARM(armLinear(tier), input, rows: rows, into: output, activation: activation, threads: threads,
                     afterQuantization: afterQuantization)
            return
        }
        #endif
        let k = inFeatures, ldq = k + (k & 1)
        let layout = family.int8Layout(weightMagnitude: panels.maxMagnitude)
        let packed = layout == panels.layout ? panels : Int8Panels(repacking: panels, layout: layout)
        // The one scratch buffer of a call: int16 quanta, the row scales, and for a weight in quads the u8
        // activations its kernels read, converted in the same parallel region (each core its own rows).
        let quantaBytes = (rows * ldq * 2 + 63) & ~63, scalesBytes = (rows * 4 + 63) & ~63
        let unsignedBytes = packed.layout == .quads ? rows * packed.paddedK : 0
        ScratchPool.withBuffer(bytes: quantaBytes + scalesBytes + unsignedBytes) { scratch in
            let quanta = scratch.bindMemory(to: Int16.self, capacity: rows * ldq)
            let rowScales = (scratch + quantaBytes).bindMemory(to: Float.self, capacity: rows)
            let unsigned = unsignedBytes == 0 ? nil
                : (scratch + quantaBytes + scalesBytes).bindMemory(to: UInt8.self, capacity: unsignedBytes)
            withOptionalPointer(inverseInputScales) { inv in
                Parallel.run(threads: threads, maxParts: Int8GEMM.rowParts(rows: rows, k: k)) { part, parts in
                    let mine = Parallel.slice(rows, part: part, parts: parts)
                    ActivationQuantizer.quantize(family, x: input + mine.lowerBound * k, rows: mine.count, k: k,
                                                 invChannelScales: inv, into: quanta + mine.lowerBound * ldq, ldq: ldq,
                                                 scales: rowScales + mine.lowerBound)
                    if let unsigned {
                        family.kernels.offsetToUnsigned(quanta + mine.lowerBound * ldq, rows: mine.count, k: k, ldq: ldq,
                                                        into: unsigned + mine.lowerBound * packed.paddedK,
                                                        paddedK: packed.paddedK)
                    }
                }
            }
            afterQuantization?()   // profiling hook; nil when serving
            columnScales.withUnsafeBufferPointer { cs in
                withOptionalPointer(bias) { bias in
                    Int8GEMM.run(family, m: rows, a: quanta, lda: ldq, unsigned: unsigned.map { UnsafePointer($0) },
                                 rowScales: rowScales, panels: packed, columnScales: cs.baseAddress!, c: output,
                                 ldc: outFeatures, bias: bias, activation: activation, threads: threads)
                }
            }
        }
    }
}

@inline(__always)
func withOptionalPointer<R>(_ array: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// The int8 product driver: threads split the panels; each panel runs all row tiles, then its epilogue.
/// `a` holds int16 quanta (rows of lda ≥ k); for a weight packed in quads they first become u8 (+128), unless
/// the caller passes them converted (`unsigned`, rows of panels.paddedK).
enum Int8GEMM {
    /// Parts for the per-row passes (activation quantization, then the u8 conversion), split alike so each core
    /// converts the rows it quantized. Split even at L = 16: the previous product left each row half in the
    /// other core's cache, and one core reading it all measured 0.1–0.36 ms of a 3 ms forward at 2 threads.
    static func rowParts(rows: Int, k: Int) -> Int { max(1, rows * k / 4_096) }

    static func run(_ family: KernelFamily, m: Int, a: UnsafePointer<Int16>, lda: Int, unsigned: UnsafePointer<UInt8>? = nil,
                    rowScales: UnsafePointer<Float>, panels: Int8Panels, columnScales: UnsafePointer<Float>,
                    c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?, activation: FusedActivation,
                    threads: Int) {
        let wanted = family.int8Layout(weightMagnitude: panels.maxMagnitude)
        requireShape(panels.layout == wanted, "Int8GEMM: weight packed as \(panels.layout), \(family) wants \(wanted)")
        guard m > 0 else { return }
        if panels.layout == .quads, let unsigned {
            products(family, m: m, a: a, lda: lda, unsigned: unsigned, rowScales: rowScales,
                     panels: panels, columnScales: columnScales, c: c, ldc: ldc, bias: bias, activation: activation,
                     threads: threads)
        } else if panels.layout == .quads {   // a caller that did not convert (the kernel tests)
            ScratchPool.withBuffer(bytes: m * panels.paddedK) { raw in
                let unsigned = raw.bindMemory(to: UInt8.self, capacity: m * panels.paddedK)
                family.kernels.offsetToUnsigned(a, rows: m, k: panels.k, ldq: lda, into: unsigned, paddedK: panels.paddedK)
                products(family, m: m, a: a, lda: lda, unsigned: unsigned, rowScales: rowScales, panels: panels,
                         columnScales: columnScales, c: c, ldc: ldc, bias: bias, activation: activation, threads: threads)
            }
        } else {
            products(family, m: m, a: a, lda: lda, unsigned: nil, rowScales: rowScales, panels: panels,
                     columnScales: columnScales, c: c, ldc: ldc, bias: bias, activation: activation, threads: threads)
        }
    }

    private static func products(_ family: KernelFamily, m: Int, a: UnsafePointer<Int16>, lda: Int,
                                 unsigned: UnsafePointer<UInt8>?, rowScales: UnsafePointer<Float>,
                                 panels: Int8Panels, columnScales: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>,
                                 ldc: Int, bias: UnsafePointer<Float>?, activation: FusedActivation, threads: Int) {
        products(family.kernels, m: m, a: a, lda: lda, unsigned: unsigned, rowScales: rowScales, panels: panels,
                 columnScales: columnScales, c: c, ldc: ldc, bias: bias, activation: activation, threads: threads)
    }

    private static func products<K: KernelSet>(_ kernels: K.Type, m: Int, a: UnsafePointer<Int16>, lda: Int,
                                 unsigned: UnsafePointer<UInt8>?, rowScales: UnsafePointer<Float>,
                                 panels: Int8Panels, columnScales: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>,
                                 ldc: Int, bias: UnsafePointer<Float>?, activation: FusedActivation, threads: Int) {
        let n = panels.n, mr = unsigned == nil ? K.int8TileRows : K.quadTileRows, width = Int8Panels.width
        let worthwhile = max(1, (m * n * panels.k) / 1_000_000)
        panels.columnSums128.withUnsafeBufferPointer { sums in
            Parallel.run(threads: threads, maxParts: min(panels.panelCount, worthwhile)) { part, parts in
                for p in Parallel.slice(panels.panelCount, part: part, parts: parts) {
                    let j0 = p * width, cols = min(width, n - j0)
                    var i0 = 0
                    while i0 < m {
                        if let unsigned {
                            K.quadTile(quads: panels.groups, a: unsigned + i0 * panels.paddedK, lda: panels.paddedK,
                                            rows: min(mr, m - i0), panel: panels.panel(p), columnSums128: sums.baseAddress! + j0,
                                            rowScales: rowScales + i0, colScales: columnScales + j0,
                                            c: c + i0 * ldc + j0, ldc: ldc, cols: cols)
                        } else {
                            K.int8Tile(pairs: panels.pairs, a: a + i0 * lda, lda: lda, rows: min(mr, m - i0), panel: panels.panel(p),
                                       rowScales: rowScales + i0, colScales: columnScales + j0, c: c + i0 * ldc + j0, ldc: ldc, cols: cols)
                        }
                        i0 += mr
                    }
                    if bias != nil || activation != .none {
                        K.epilogue(c: c + j0, ldc: ldc, rows: m, cols: cols, bias: bias.map { $0 + j0 }, activation: activation)
                    }
                }
            }
        }
    }
}
