#if arch(x86_64)
import KoBERTKernelsAVX2
#endif

/// The only door into KoBERTKernelsAVX2. Callers reach it through a `.avx2` family, which exists only after
/// CPUID said yes; on other architectures each entry falls back to the generic kernel.
enum AVX2Bridge {
    static func floatTile(kc: Int, a: UnsafePointer<Float>, lda: Int, rows: Int, panel: UnsafePointer<Float>,
                          c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int, alpha: Float, accumulate: Bool) {
        #if arch(x86_64)
        AVX2FloatKernels.tile6x16(kc: kc, a: a, lda: lda, rows: rows, panel: panel, c: c, ldc: ldc, cols: cols,
                                  alpha: alpha, accumulate: accumulate)
        #else
        var i = 0
        while i < rows {
            FloatTileKernels.generic4x16(kc: kc, a: a + i * lda, lda: lda, rows: min(4, rows - i), panel: panel,
                                         c: c + i * ldc, ldc: ldc, cols: cols, alpha: alpha, accumulate: accumulate)
            i += 4
        }
        #endif
    }

    static func epilogue(c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int,
                         bias: UnsafePointer<Float>?, activation: FusedActivation) {
        #if arch(x86_64)
        let code: Int
        switch activation { case .none: code = 0; case .relu: code = 1; case .gelu: code = 2 }
        AVX2FloatKernels.epilogue(c: c, ldc: ldc, rows: rows, cols: cols, bias: bias, activation: code)
        #else
        FloatEpilogue.generic(c: c, ldc: ldc, rows: rows, cols: cols, bias: bias, activation: activation)
        #endif
    }
}

extension AVX2Bridge {
    static var int8TileRows: Int {
        #if arch(x86_64)
        return AVX2Int8Kernels.tileRows
        #else
        return 4
        #endif
    }

    static func int8Tile(pairs: Int, a: UnsafePointer<Int16>, lda: Int, rows: Int, panel: UnsafePointer<Int8>,
                         rowScales: UnsafePointer<Float>, colScales: UnsafePointer<Float>,
                         c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int) {
        #if arch(x86_64)
        AVX2Int8Kernels.tile(pairs: pairs, a: a, lda: lda, rows: rows, panel: panel, rowScales: rowScales,
                             colScales: colScales, c: c, ldc: ldc, cols: cols)
        #else
        Int8TileKernels.generic4x16(pairs: pairs, a: a, lda: lda, rows: rows, panel: panel, rowScales: rowScales,
                                    colScales: colScales, c: c, ldc: ldc, cols: cols)
        #endif
    }

    static var quadTileRows: Int {
        #if arch(x86_64)
        return AVX2Int8Kernels.quadTileRows
        #else
        return 4
        #endif
    }

    /// Largest weight magnitude the quad tile is exact for (pair sums must fit int16).
    static var quadWeightLimit: Int {
        #if arch(x86_64)
        return AVX2Int8Kernels.quadWeightLimit
        #else
        return 63
        #endif
    }

    static func quadTile(quads: Int, a: UnsafePointer<UInt8>, lda: Int, rows: Int, panel: UnsafePointer<Int8>,
                         columnSums128: UnsafePointer<Int32>, rowScales: UnsafePointer<Float>,
                         colScales: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int) {
        #if arch(x86_64)
        AVX2Int8Kernels.quadTile(quads: quads, a: a, lda: lda, rows: rows, panel: panel, columnSums128: columnSums128,
                                 rowScales: rowScales, colScales: colScales, c: c, ldc: ldc, cols: cols)
        #else
        Int8TileKernels.referenceQuads(quads: quads, a: a, lda: lda, rows: rows, panel: panel, columnSums128: columnSums128,
                                       rowScales: rowScales, colScales: colScales, c: c, ldc: ldc, cols: cols)
        #endif
    }

    static func offsetToUnsigned(_ q: UnsafePointer<Int16>, rows: Int, k: Int, ldq: Int,
                                 into u: UnsafeMutablePointer<UInt8>, paddedK: Int) {
        #if arch(x86_64)
        AVX2Int8Kernels.offsetToUnsigned(q, rows: rows, k: k, ldq: ldq, into: u, paddedK: paddedK)
        #else
        Int8TileKernels.referenceOffsetToUnsigned(q, rows: rows, k: k, ldq: ldq, into: u, paddedK: paddedK)
        #endif
    }

    static func quantizeRow(_ x: UnsafePointer<Float>, _ k: Int, _ inv: UnsafePointer<Float>?, _ q: UnsafeMutablePointer<Int16>) -> Float {
        #if arch(x86_64)
        return AVX2Int8Kernels.quantizeRow(x, k, inv, q)
        #else
        return ActivationQuantizer.generic(x, k, inv, q)
        #endif
    }
}

extension AVX2Bridge {
    static func softmaxRow(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
        #if arch(x86_64)
        AVX2FloatKernels.softmaxRow(x, n)
        #else
        Softmax.generic(x, n)
        #endif
    }

    /// erf of `count` values through the AVX2 epilogue's approximation (for accuracy tests).
    static func erf(_ x: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>) {
        #if arch(x86_64)
        AVX2FloatKernels.erf(x, count: count, into: out)
        #else
        var i = 0
        while i < count {
            var v = SIMD8<Float>(repeating: 0)
            for t in 0..<min(8, count - i) { v[t] = x[i + t] }
            let e = VectorMath.erf(v)
            for t in 0..<min(8, count - i) { out[i + t] = e[t] }
            i += 8
        }
        #endif
    }
}
