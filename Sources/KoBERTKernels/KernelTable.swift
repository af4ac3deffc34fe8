#if arch(arm64)
import KoBERTKernelsARM
#endif

/// What a kernel family runs for every kernel the GEMM drivers call. Static methods, so a driver made
/// generic over a KernelSet is specialised per family and the tiles inline into its loops (calling through
/// stored closures measured ~20 % slower at L = 64).
protocol KernelSet {
    /// How this family's int8 kernels want a weight packed whose largest |value| is `weightMagnitude`
    /// (AVX2 runs weights of ≤ 7 bits on its faster u8 × s8 route, which is exact only for them).
    static func int8Layout(weightMagnitude: Int) -> Int8Panels.Layout
    /// Rows of C one fp32 tile computes.
    static var floatTileRows: Int { get }
    /// C[rows × cols] (+)= alpha · A[rows × kc] · panel (FloatTileKernels).
    static func floatTile(kc: Int, a: UnsafePointer<Float>, lda: Int, rows: Int, panel: UnsafePointer<Float>,
                          c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int, alpha: Float, accumulate: Bool)
    /// Rows of C one int8 tile computes.
    static var int8TileRows: Int { get }
    /// Pair-layout int8 tile with dequantization (Int8TileKernels).
    static func int8Tile(pairs: Int, a: UnsafePointer<Int16>, lda: Int, rows: Int, panel: UnsafePointer<Int8>,
                         rowScales: UnsafePointer<Float>, colScales: UnsafePointer<Float>,
                         c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int)
    /// Rows of C one quad-layout int8 tile computes.
    static var quadTileRows: Int { get }
    /// Quad-layout int8 tile over u8 activations (quanta + 128), with the 128 · Σw correction and dequantization.
    static func quadTile(quads: Int, a: UnsafePointer<UInt8>, lda: Int, rows: Int, panel: UnsafePointer<Int8>,
                         columnSums128: UnsafePointer<Int32>, rowScales: UnsafePointer<Float>,
                         colScales: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int)
    /// int16 quanta → the u8 activations `quadTile` reads (quanta + 128, rows padded to paddedK with 128).
    static func offsetToUnsigned(_ q: UnsafePointer<Int16>, rows: Int, k: Int, ldq: Int,
                                 into u: UnsafeMutablePointer<UInt8>, paddedK: Int)
    /// Bias then activation on a finished block (FloatEpilogue).
    static func epilogue(c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int,
                         bias: UnsafePointer<Float>?, activation: FusedActivation)
    /// In-place softmax of one row (Softmax).
    static func softmaxRow(_ x: UnsafeMutablePointer<Float>, _ n: Int)
    /// One row of dynamic activation quantization; returns the row's scale (ActivationQuantizer).
    static func quantizeRow(_ x: UnsafePointer<Float>, _ k: Int, _ inverseScales: UnsafePointer<Float>?,
                            _ q: UnsafeMutablePointer<Int16>) -> Float
}

extension KernelFamily {
    /// The one dispatch table: this family's kernels.
    var kernels: any KernelSet.Type {
        switch self {
        case .reference: return ReferenceKernels.self
        case .generic: return GenericKernels.self
        case .avx2: return AVX2Kernels.self
        case .avx512vnni: return VNNIKernels.self
        #if arch(arm64)
        // The AArch64 tiers' int8 Linear runs in KoBERTKernelsARM (Int8Linear → ARMInt8Bridge.swift, before
        // this table is consulted); this row serves their fp32 products and the rest.
        case .neon, .dotprod, .i8mm: return NEONKernels.self
        #endif
        }
    }
}

/// The quad-layout entries of the families that pack in pairs: never chosen by their layout rule, but
/// complete, so any family can run any packed weight (the scalar oracle for the quad tiles).
protocol ScalarQuadKernels: KernelSet {}

extension ScalarQuadKernels {
    static func int8Layout(weightMagnitude: Int) -> Int8Panels.Layout { .pairs }
    static var quadTileRows: Int { 4 }
    static func quadTile(quads: Int, a: UnsafePointer<UInt8>, lda: Int, rows: Int, panel: UnsafePointer<Int8>,
                         columnSums128: UnsafePointer<Int32>, rowScales: UnsafePointer<Float>,
                         colScales: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int) {
        Int8TileKernels.referenceQuads(quads: quads, a: a, lda: lda, rows: rows, panel: panel, columnSums128: columnSums128,
                                       rowScales: rowScales, colScales: colScales, c: c, ldc: ldc, cols: cols)
    }
    static func offsetToUnsigned(_ q: UnsafePointer<Int16>, rows: Int, k: Int, ldq: Int,
                                 into u: UnsafeMutablePointer<UInt8>, paddedK: Int) {
        Int8TileKernels.referenceOffsetToUnsigned(q, rows: rows, k: k, ldq: ldq, into: u, paddedK: paddedK)
    }
}

/// Plain scalar loops: the oracle every other family is checked against.
enum ReferenceKernels: ScalarQuadKernels {
    static var floatTileRows: Int { 4 }
    @inline(__always)
    static func floatTile(kc: Int, a: UnsafePointer<Float>, lda: Int, rows: Int, panel: UnsafePointer<Float>,
                          c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int, alpha: Float, accumulate: Bool) {
        FloatTileKernels.reference(kc: kc, a: a, lda: lda, rows: rows, panel: panel, c: c, ldc: ldc, cols: cols, alpha: alpha, accumulate: accumulate)
    }
    static var int8TileRows: Int { 4 }
    @inline(__always)
    static func int8Tile(pairs: Int, a: UnsafePointer<Int16>, lda: Int, rows: Int, panel: UnsafePointer<Int8>,
                         rowScales: UnsafePointer<Float>, colScales: UnsafePointer<Float>,
                         c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int) {
        Int8TileKernels.reference(pairs: pairs, a: a, lda: lda, rows: rows, panel: panel, rowScales: rowScales, colScales: colScales, c: c, ldc: ldc, cols: cols)
    }
    @inline(__always)
    static func epilogue(c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, bias: UnsafePointer<Float>?, activation: FusedActivation) {
        FloatEpilogue.reference(c: c, ldc: ldc, rows: rows, cols: cols, bias: bias, activation: activation)
    }
    @inline(__always)
    static func quantizeRow(_ x: UnsafePointer<Float>, _ k: Int, _ inv: UnsafePointer<Float>?, _ q: UnsafeMutablePointer<Int16>) -> Float {
        ActivationQuantizer.reference(x, k, inv, q)
    }
    @inline(__always)
    static func softmaxRow(_ x: UnsafeMutablePointer<Float>, _ n: Int) { Softmax.reference(x, n) }
}

/// Swift SIMD types: any CPU.
enum GenericKernels: ScalarQuadKernels {
    static var floatTileRows: Int { 4 }
    @inline(__always)
    static func floatTile(kc: Int, a: UnsafePointer<Float>, lda: Int, rows: Int, panel: UnsafePointer<Float>,
                          c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int, alpha: Float, accumulate: Bool) {
        FloatTileKernels.generic4x16(kc: kc, a: a, lda: lda, rows: rows, panel: panel, c: c, ldc: ldc, cols: cols, alpha: alpha, accumulate: accumulate)
    }
    static var int8TileRows: Int { 4 }
    @inline(__always)
    static func int8Tile(pairs: Int, a: UnsafePointer<Int16>, lda: Int, rows: Int, panel: UnsafePointer<Int8>,
                         rowScales: UnsafePointer<Float>, colScales: UnsafePointer<Float>,
                         c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int) {
        Int8TileKernels.generic4x16(pairs: pairs, a: a, lda: lda, rows: rows, panel: panel, rowScales: rowScales, colScales: colScales, c: c, ldc: ldc, cols: cols)
    }
    @inline(__always)
    static func epilogue(c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, bias: UnsafePointer<Float>?, activation: FusedActivation) {
        FloatEpilogue.generic(c: c, ldc: ldc, rows: rows, cols: cols, bias: bias, activation: activation)
    }
    @inline(__always)
    static func quantizeRow(_ x: UnsafePointer<Float>, _ k: Int, _ inv: UnsafePointer<Float>?, _ q: UnsafeMutablePointer<Int16>) -> Float {
        ActivationQuantizer.generic(x, k, inv, q)
    }
    @inline(__always)
    static func softmaxRow(_ x: UnsafeMutablePointer<Float>, _ n: Int) { Softmax.generic(x, n) }
}

/// The AVX2 fp32 tile, epilogue and row quantizer, shared by the two x86 intrinsics families.
protocol AVX2FamilyKernels: KernelSet {}

extension AVX2FamilyKernels {
    static var floatTileRows: Int { 6 }
    @inline(__always)
    static func floatTile(kc: Int, a: UnsafePointer<Float>, lda: Int, rows: Int, panel: UnsafePointer<Float>,
                          c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int, alpha: Float, accumulate: Bool) {
        AVX2Bridge.floatTile(kc: kc, a: a, lda: lda, rows: rows, panel: panel, c: c, ldc: ldc, cols: cols, alpha: alpha, accumulate: accumulate)
    }
    @inline(__always)
    static func int8Tile(pairs: Int, a: UnsafePointer<Int16>, lda: Int, rows: Int, panel: UnsafePointer<Int8>,
                         rowScales: UnsafePointer<Float>, colScales: UnsafePointer<Float>,
                         c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int) {
        AVX2Bridge.int8Tile(pairs: pairs, a: a, lda: lda, rows: rows, panel: panel, rowScales: rowScales, colScales: colScales, c: c, ldc: ldc, cols: cols)
    }
    @inline(__always)
    static func epilogue(c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, bias: UnsafePointer<Float>?, activation: FusedActivation) {
        AVX2Bridge.epilogue(c: c, ldc: ldc, rows: rows, cols: cols, bias: bias, activation: activation)
    }
    @inline(__always)
    static func quantizeRow(_ x: UnsafePointer<Float>, _ k: Int, _ inv: UnsafePointer<Float>?, _ q: UnsafeMutablePointer<Int16>) -> Float {
        AVX2Bridge.quantizeRow(x, k, inv, q)
    }
    @inline(__always)
    static func softmaxRow(_ x: UnsafeMutablePointer<Float>, _ n: Int) { AVX2Bridge.softmaxRow(x, n) }
}

/// AVX2 + FMA intrinsics (KoBERTKernelsAVX2): int16 pairs through vpmaddwd, or for weights of ≤ 7 bits
/// u8 × s8 quads through vpmaddubsw (exact there, and ~25 % faster on Zen 3).
enum AVX2Kernels: AVX2FamilyKernels {
    static func int8Layout(weightMagnitude: Int) -> Int8Panels.Layout {
        weightMagnitude <= AVX2Bridge.quadWeightLimit ? .quads : .pairs
    }
    static var int8TileRows: Int { AVX2Bridge.int8TileRows }
    static var quadTileRows: Int { AVX2Bridge.quadTileRows }
    @inline(__always)
    static func quadTile(quads: Int, a: UnsafePointer<UInt8>, lda: Int, rows: Int, panel: UnsafePointer<Int8>,
                         columnSums128: UnsafePointer<Int32>, rowScales: UnsafePointer<Float>,
                         colScales: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int) {
        AVX2Bridge.quadTile(quads: quads, a: a, lda: lda, rows: rows, panel: panel, columnSums128: columnSums128,
                            rowScales: rowScales, colScales: colScales, c: c, ldc: ldc, cols: cols)
    }
    @inline(__always)
    static func offsetToUnsigned(_ q: UnsafePointer<Int16>, rows: Int, k: Int, ldq: Int,
                                 into u: UnsafeMutablePointer<UInt8>, paddedK: Int) {
        AVX2Bridge.offsetToUnsigned(q, rows: rows, k: k, ldq: ldq, into: u, paddedK: paddedK)
    }
}

/// AVX2's fp32 kernels and epilogue; every int8 weight in quads through vpdpbusd (exact for any int8),
/// VNNIBridge.tileRows-row tiles (its pair-layout `int8Tile` is AVX2's, for weights packed in pairs).
enum VNNIKernels: AVX2FamilyKernels {
    static func int8Layout(weightMagnitude: Int) -> Int8Panels.Layout { .quads }
    static var int8TileRows: Int { AVX2Bridge.int8TileRows }
    static var quadTileRows: Int { VNNIBridge.tileRows }
    @inline(__always)
    static func quadTile(quads: Int, a: UnsafePointer<UInt8>, lda: Int, rows: Int, panel: UnsafePointer<Int8>,
                         columnSums128: UnsafePointer<Int32>, rowScales: UnsafePointer<Float>,
                         colScales: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int) {
        VNNIBridge.tile(quads: quads, a: a, lda: lda, rows: rows, panel: panel, columnSums128: columnSums128,
                        rowScales: rowScales, colScales: colScales, c: c, ldc: ldc, cols: cols)
    }
    @inline(__always)
    static func offsetToUnsigned(_ q: UnsafePointer<Int16>, rows: Int, k: Int, ldq: Int,
                                 into u: UnsafeMutablePointer<UInt8>, paddedK: Int) {
        VNNIBridge.offsetToUnsigned(q, rows: rows, k: k, ldq: ldq, into: u, paddedK: paddedK)
    }
}

#if arch(arm64)
/// The AArch64 tiers' row: KoBERTKernelsARM's NEON fp32 tile (8 × 16, fmla by element) and NEON row
/// quantizer, both checked under qemu by Tools/arm/check; the pair int8 tile, epilogue and softmax are
/// generic (an int8 Linear on these tiers does not use this table's int8 entries: ARMInt8Bridge.swift).
enum NEONKernels: ScalarQuadKernels {
    static var floatTileRows: Int { 8 }
    @inline(__always)
    static func floatTile(kc: Int, a: UnsafePointer<Float>, lda: Int, rows: Int, panel: UnsafePointer<Float>,
                          c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int, alpha: Float, accumulate: Bool) {
        NEONFloatKernels.tile(kc: kc, a: a, lda: lda, rows: rows, panel: panel, c: c, ldc: ldc, cols: cols, alpha: alpha, accumulate: accumulate)
    }
    static var int8TileRows: Int { GenericKernels.int8TileRows }
    @inline(__always)
    static func int8Tile(pairs: Int, a: UnsafePointer<Int16>, lda: Int, rows: Int, panel: UnsafePointer<Int8>,
                         rowScales: UnsafePointer<Float>, colScales: UnsafePointer<Float>,
                         c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int) {
        GenericKernels.int8Tile(pairs: pairs, a: a, lda: lda, rows: rows, panel: panel, rowScales: rowScales, colScales: colScales, c: c, ldc: ldc, cols: cols)
    }
    @inline(__always)
    static func epilogue(c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, bias: UnsafePointer<Float>?, activation: FusedActivation) {
        GenericKernels.epilogue(c: c, ldc: ldc, rows: rows, cols: cols, bias: bias, activation: activation)
    }
    @inline(__always)
    static func quantizeRow(_ x: UnsafePointer<Float>, _ k: Int, _ inv: UnsafePointer<Float>?, _ q: UnsafeMutablePointer<Int16>) -> Float {
        ARMActivations.quantizeRow(x, k, inv, q)
    }
    @inline(__always)
    static func softmaxRow(_ x: UnsafeMutablePointer<Float>, _ n: Int) { GenericKernels.softmaxRow(x, n) }
}
#endif
