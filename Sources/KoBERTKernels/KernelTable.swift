/// What a kernel family runs for every kernel the GEMM drivers call. Static methods, so a driver made
/// generic over a KernelSet is specialised per family and the tiles inline into its loops (calling through
/// stored closures measured ~20 % slower at L = 64).
protocol KernelSet {
    /// How this family's int8 kernels want the weight packed.
    static var int8Layout: Int8Panels.Layout { get }
    /// Rows of C one fp32 tile computes.
    static var floatTileRows: Int { get }
    /// C[rows × cols] (+)= alpha · A[rows × kc] · panel (FloatTileKernels).
    static func floatTile(kc: Int, a: UnsafePointer<Float>, lda: Int, rows: Int, panel: UnsafePointer<Float>,
                          c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int, alpha: Float, accumulate: Bool)
    /// Rows of C one int8 tile computes.
    static var int8TileRows: Int { get }
    /// Pair-layout int8 tile with dequantization (Int8TileKernels); the VNNI family's quad tiles run from Int8GEMM.
    static func int8Tile(pairs: Int, a: UnsafePointer<Int16>, lda: Int, rows: Int, panel: UnsafePointer<Int8>,
                         rowScales: UnsafePointer<Float>, colScales: UnsafePointer<Float>,
                         c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int)
    /// Bias then activation on a finished block (FloatEpilogue).
    static func epilogue(c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int,
                         bias: UnsafePointer<Float>?, activation: FusedActivation)
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
        // The AArch64 tiers' int8 products run in KoBERTKernelsARM; their fp32 and epilogue work is the
        // generic Swift SIMD code, which compiles to NEON there.
        case .neon, .dotprod, .i8mm: return GenericKernels.self
        #endif
        }
    }
}

/// Plain scalar loops: the oracle every other family is checked against.
enum ReferenceKernels: KernelSet {
    static var int8Layout: Int8Panels.Layout { .pairs }
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
}

/// Swift SIMD types: any CPU.
enum GenericKernels: KernelSet {
    static var int8Layout: Int8Panels.Layout { .pairs }
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
}

/// AVX2 + FMA intrinsics (KoBERTKernelsAVX2).
enum AVX2Kernels: AVX2FamilyKernels {
    static var int8Layout: Int8Panels.Layout { .pairs }
    static var int8TileRows: Int { AVX2Bridge.int8TileRows }
}

/// AVX2's fp32 kernels and epilogue; int8 over quads in VNNIBridge.tileRows-row tiles, driven by Int8GEMM
/// (its pair-layout `int8Tile` is AVX2's, used only for weights packed in pairs).
enum VNNIKernels: AVX2FamilyKernels {
    static var int8Layout: Int8Panels.Layout { .quads }
    static var int8TileRows: Int { VNNIBridge.tileRows }
}
