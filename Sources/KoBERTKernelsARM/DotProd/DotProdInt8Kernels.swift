// The ARMv8.2 dot-product int8 tile (Cortex-A76, Neoverse N1). Its own module, compiled with
// +dotprod, so no other code can pick up SDOT from the optimizer and fault on an ARMv8.0 CPU; it is
// entered only after getauxval reported HWCAP_ASIMDDP. SDOT sums int8 × int8 straight into int32: exact.
#if arch(arm64)
import _Builtin_intrinsics.arm.neon

public enum DotProdInt8Kernels {
    public static let tileRows = 4

    /// Rows ≤ 4 of int8 activations in the pair layout of ARMActivations.narrow (pair p's 8-k octet o at
    /// (p · octets + o) · 16: 8 bytes of its first row, 8 of its second) times one dotprod-packed panel
    /// (64 bytes per 4-k quad: column j's 4 bytes at 4j). Writes the exact int32 sums of 16 columns for each
    /// row to sums[r · 16 + j]. 4 × 16 tile, 16 accumulators; per octet one 16-byte load per row pair holds
    /// both rows' two quads, each fed to SDOT's by-element form (the splat of a 32-bit lane folds into it),
    /// so 16 accumulators, 8 weights and 2 activations fit the 32 registers without spilling.
    // export(interface): clients call this body, never copy it; a copy would be compiled without the feature.
    @export(interface) @inline(never)
    public static func tile(octets: Int, a: UnsafePointer<Int8>, rows: Int, panel: UnsafePointer<Int8>,
                            sums: UnsafeMutablePointer<Int32>) {
        let p0 = UnsafeRawPointer(a), p1 = UnsafeRawPointer(a + (rows > 2 ? octets * 16 : 0))
        var c00 = SIMD4<Int32>(), c01 = SIMD4<Int32>(), c02 = SIMD4<Int32>(), c03 = SIMD4<Int32>()
        var c10 = SIMD4<Int32>(), c11 = SIMD4<Int32>(), c12 = SIMD4<Int32>(), c13 = SIMD4<Int32>()
        var c20 = SIMD4<Int32>(), c21 = SIMD4<Int32>(), c22 = SIMD4<Int32>(), c23 = SIMD4<Int32>()
        var c30 = SIMD4<Int32>(), c31 = SIMD4<Int32>(), c32 = SIMD4<Int32>(), c33 = SIMD4<Int32>()
        var w = UnsafeRawPointer(panel)
        var off = 0
        for _ in 0..<octets {
            let x01 = p0.loadUnaligned(fromByteOffset: off, as: SIMD4<Int32>.self)   // rows 0, 1: quads 0, 1 each
            let x23 = p1.loadUnaligned(fromByteOffset: off, as: SIMD4<Int32>.self)   // rows 2, 3
            for quad in 0..<2 {
                let b0 = w.loadUnaligned(as: SIMD16<Int8>.self), b1 = w.loadUnaligned(fromByteOffset: 16, as: SIMD16<Int8>.self)
                let b2 = w.loadUnaligned(fromByteOffset: 32, as: SIMD16<Int8>.self), b3 = w.loadUnaligned(fromByteOffset: 48, as: SIMD16<Int8>.self)
                dot(splat(x01, quad), b0, b1, b2, b3, &c00, &c01, &c02, &c03)
                dot(splat(x01, 2 + quad), b0, b1, b2, b3, &c10, &c11, &c12, &c13)
                dot(splat(x23, quad), b0, b1, b2, b3, &c20, &c21, &c22, &c23)
                dot(splat(x23, 2 + quad), b0, b1, b2, b3, &c30, &c31, &c32, &c33)
                w += 64
            }
            off += 16
        }
        store(c00, c01, c02, c03, sums)
        if rows > 1 { store(c10, c11, c12, c13, sums + 16) }
        if rows > 2 { store(c20, c21, c22, c23, sums + 32) }
        if rows > 3 { store(c30, c31, c32, c33, sums + 48) }
    }

    /// One activation quad (4 int8 as one 32-bit lane) repeated in every lane.
    @inline(__always)
    static func splat(_ x: SIMD4<Int32>, _ lane: Int) -> SIMD16<Int8> {
        unsafeBitCast(SIMD4<Int32>(repeating: x[lane]), to: SIMD16<Int8>.self)
    }

    @inline(__always)
    static func dot(_ x: SIMD16<Int8>, _ b0: SIMD16<Int8>, _ b1: SIMD16<Int8>, _ b2: SIMD16<Int8>, _ b3: SIMD16<Int8>,
                    _ c0: inout SIMD4<Int32>, _ c1: inout SIMD4<Int32>, _ c2: inout SIMD4<Int32>, _ c3: inout SIMD4<Int32>) {
        c0 = vdotq_s32(c0, b0, x); c1 = vdotq_s32(c1, b1, x)
        c2 = vdotq_s32(c2, b2, x); c3 = vdotq_s32(c3, b3, x)
    }

    @inline(__always)
    static func store(_ c0: SIMD4<Int32>, _ c1: SIMD4<Int32>, _ c2: SIMD4<Int32>, _ c3: SIMD4<Int32>,
                      _ out: UnsafeMutablePointer<Int32>) {
        let raw = UnsafeMutableRawPointer(out)
        raw.storeBytes(of: c0, as: SIMD4<Int32>.self); raw.storeBytes(of: c1, toByteOffset: 16, as: SIMD4<Int32>.self)
        raw.storeBytes(of: c2, toByteOffset: 32, as: SIMD4<Int32>.self); raw.storeBytes(of: c3, toByteOffset: 48, as: SIMD4<Int32>.self)
    }
}
#endif
