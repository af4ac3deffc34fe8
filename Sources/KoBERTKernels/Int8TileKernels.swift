/// One tile of an int8 product: for rows ≤ tileRows and the 16 columns of one panel,
///   acc[r][j] = Σ_k qa[r][k] · w[k][j]   (exact int32),
///   C[r][j]   = Float(acc) · (rowScale[r] · colScale[j])   — the dequantization; bias and activation follow.
/// qa is int16 holding −127…127, w int8, so every product fits int16 and sums are exact in every family.
enum Int8TileKernels {
    static func reference(pairs: Int, a: UnsafePointer<Int16>, lda: Int, rows: Int, panel: UnsafePointer<Int8>,
                          rowScales: UnsafePointer<Float>, colScales: UnsafePointer<Float>,
                          c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int) {
        for r in 0..<rows {
            for j in 0..<cols {
                var acc: Int32 = 0
                for kk in 0..<(2 * pairs) {
                    acc += Int32(a[r * lda + kk]) * Int32(panel[(kk / 2) * 32 + 2 * j + (kk & 1)])
                }
                c[r * ldc + j] = Float(acc) * (rowScales[r] * colScales[j])
            }
        }
    }

    /// The quad layout's twin: u8 activations (quanta + 128) against 4 weight bytes per column and k-quad,
    /// minus 128 · Σ w per column, so the int32 sum is the same Σ qa · w as above.
    static func referenceQuads(quads: Int, a: UnsafePointer<UInt8>, lda: Int, rows: Int, panel: UnsafePointer<Int8>,
                               columnSums128: UnsafePointer<Int32>, rowScales: UnsafePointer<Float>,
                               colScales: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int) {
        for r in 0..<rows {
            for j in 0..<cols {
                var acc: Int32 = 0
                for kk in 0..<(4 * quads) { acc += Int32(a[r * lda + kk]) * Int32(panel[(kk / 4) * 64 + 4 * j + kk % 4]) }
                c[r * ldc + j] = Float(acc - columnSums128[j]) * (rowScales[r] * colScales[j])
            }
        }
    }

    static func referenceOffsetToUnsigned(_ q: UnsafePointer<Int16>, rows: Int, k: Int, ldq: Int,
                                          into u: UnsafeMutablePointer<UInt8>, paddedK: Int) {
        for r in 0..<rows {
            for i in 0..<paddedK { u[r * paddedK + i] = i < k ? UInt8(truncatingIfNeeded: Int(q[r * ldq + i]) + 128) : 128 }
        }
    }

    /// 4 rows × 16 columns in Swift SIMD, written with shifts instead of SIMD type conversions (which the
    /// compiler leaves as calls): the 32 panel bytes read as 16 int16 lanes hold (odd-k << 8 | even-k) of one
    /// column each; shifts sign-extend both halves, each is multiplied by its broadcast activation (|product|
    /// ≤ 16256, the pair sum ≤ 32512: exact in int16), and the pair sums are sign-extended to int32 as the
    /// even- and odd-column halves of 32-bit lanes.
    static func generic4x16(pairs: Int, a: UnsafePointer<Int16>, lda: Int, rows: Int, panel: UnsafePointer<Int8>,
                            rowScales: UnsafePointer<Float>, colScales: UnsafePointer<Float>,
                            c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int) {
        let a0 = a, a1 = a + min(1, rows - 1) * lda, a2 = a + min(2, rows - 1) * lda, a3 = a + min(3, rows - 1) * lda
        var even0 = SIMD8<Int32>(), odd0 = SIMD8<Int32>(), even1 = SIMD8<Int32>(), odd1 = SIMD8<Int32>()
        var even2 = SIMD8<Int32>(), odd2 = SIMD8<Int32>(), even3 = SIMD8<Int32>(), odd3 = SIMD8<Int32>()
        let w = UnsafeRawPointer(panel)
        @inline(__always) func accumulate(_ we: SIMD16<Int16>, _ wo: SIMD16<Int16>, _ x: UnsafePointer<Int16>,
                                          _ even: inout SIMD8<Int32>, _ odd: inout SIMD8<Int32>) {
            let sums = we &* SIMD16<Int16>(repeating: x[0]) &+ wo &* SIMD16<Int16>(repeating: x[1])
            let lanes = unsafeBitCast(sums, to: SIMD8<Int32>.self)
            even &+= (lanes &<< 16) &>> 16
            odd &+= lanes &>> 16
        }
        for q in 0..<pairs {
            let bytes = w.loadUnaligned(fromByteOffset: q * 32, as: SIMD16<Int16>.self)
            let we = (bytes &<< 8) &>> 8, wo = bytes &>> 8
            accumulate(we, wo, a0 + 2 * q, &even0, &odd0)
            accumulate(we, wo, a1 + 2 * q, &even1, &odd1)
            accumulate(we, wo, a2 + 2 * q, &even2, &odd2)
            accumulate(we, wo, a3 + 2 * q, &even3, &odd3)
        }
        store(even0, odd0, rowScales[0], colScales, c, cols)
        if rows > 1 { store(even1, odd1, rowScales[1], colScales, c + ldc, cols) }
        if rows > 2 { store(even2, odd2, rowScales[2], colScales, c + 2 * ldc, cols) }
        if rows > 3 { store(even3, odd3, rowScales[3], colScales, c + 3 * ldc, cols) }
    }

    /// Once per tile row, so plain scalar code: column 2i is even[i], column 2i + 1 is odd[i].
    @inline(__always)
    static func store(_ even: SIMD8<Int32>, _ odd: SIMD8<Int32>, _ rowScale: Float, _ colScales: UnsafePointer<Float>,
                      _ row: UnsafeMutablePointer<Float>, _ cols: Int) {
        for j in 0..<cols {
            let acc = j & 1 == 0 ? even[j >> 1] : odd[j >> 1]
            row[j] = Float(acc) * (rowScale * colScales[j])
        }
    }
}
