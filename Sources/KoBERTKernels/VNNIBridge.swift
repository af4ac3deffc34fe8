#if canImport(KoBERTKernelsVNNI)
import KoBERTKernelsVNNI
#endif

/// The only door into KoBERTKernelsVNNI (AVX-512 VNNI int8 kernels). That module is optional: when the
/// package builds it, the `.avx512vnni` family appears on CPUs that have it; otherwise `isCompiledIn` is false
/// and nothing here is reachable (each entry then falls back to the AVX2 kernel).
enum VNNIBridge {
    static var isCompiledIn: Bool {
        #if canImport(KoBERTKernelsVNNI) && arch(x86_64)
        return true
        #else
        return false
        #endif
    }

    static var tileRows: Int {
        #if canImport(KoBERTKernelsVNNI) && arch(x86_64)
        return VNNIInt8Kernels.tileRows
        #else
        return 8
        #endif
    }

    static func offsetToUnsigned(_ q: UnsafePointer<Int16>, rows: Int, k: Int, ldq: Int,
                                 into u: UnsafeMutablePointer<UInt8>, paddedK: Int) {
        #if canImport(KoBERTKernelsVNNI) && arch(x86_64)
        VNNIInt8Kernels.offsetToUnsigned(q, rows: rows, k: k, ldq: ldq, into: u, paddedK: paddedK)
        #else
        Int8TileKernels.referenceOffsetToUnsigned(q, rows: rows, k: k, ldq: ldq, into: u, paddedK: paddedK)
        #endif
    }

    static func tile(quads: Int, a: UnsafePointer<UInt8>, lda: Int, rows: Int, panel: UnsafePointer<Int8>,
                     columnSums128: UnsafePointer<Int32>, rowScales: UnsafePointer<Float>,
                     colScales: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int) {
        #if canImport(KoBERTKernelsVNNI) && arch(x86_64)
        VNNIInt8Kernels.tile(quads: quads, a: a, lda: lda, rows: rows, panel: panel, columnSums128: columnSums128,
                             rowScales: rowScales, colScales: colScales, c: c, ldc: ldc, cols: cols)
        #else
        // Never selected: the family is unavailable without the module.
        Int8TileKernels.referenceQuads(quads: quads, a: a, lda: lda, rows: rows, panel: panel, columnSums128: columnSums128,
                                       rowScales: rowScales, colScales: colScales, c: c, ldc: ldc, cols: cols)
        #endif
    }
}
