// C entry points into the AArch64 kernels for the emulated check (Tools/arm/harness.c). Compiled into
// the Embedded Swift build of KoBERTKernelsARM only, never into the package.
#if arch(arm64)
import KoBERTKernelsARMDotProd
import KoBERTKernelsARMI8MM

func tier(_ code: Int) -> ARMInt8Tier { ARMInt8Tier(rawValue: code) ?? .neon }

@_cdecl("arm_best_tier") public func armBestTier() -> Int { ARMFeatures.bestTier().rawValue }

@_cdecl("arm_quantize_row_reference")
public func armQuantizeRowReference(_ x: UnsafePointer<Float>, _ k: Int, _ inv: UnsafePointer<Float>?, _ q: UnsafeMutablePointer<Int16>) -> Float {
    ARMActivations.quantizeRowReference(x, k, inv, q)
}

@_cdecl("arm_quantize_row")
public func armQuantizeRow(_ x: UnsafePointer<Float>, _ k: Int, _ inv: UnsafePointer<Float>?, _ q: UnsafeMutablePointer<Int16>) -> Float {
    ARMActivations.quantizeRow(x, k, inv, q)
}

@_cdecl("arm_weight_new")
public func armWeightNew(_ code: Int, _ values: UnsafePointer<Int8>, _ n: Int, _ k: Int) -> UnsafeMutableRawPointer {
    Unmanaged.passRetained(ARMInt8Weight(values: values, n: n, k: k, tier: tier(code))).toOpaque()
}

func weight(_ handle: UnsafeRawPointer) -> ARMInt8Weight { Unmanaged<ARMInt8Weight>.fromOpaque(handle).takeUnretainedValue() }

@_cdecl("arm_weight_free") public func armWeightFree(_ handle: UnsafeMutableRawPointer) {
    Unmanaged<ARMInt8Weight>.fromOpaque(handle).release()
}
@_cdecl("arm_weight_padded_k") public func armWeightPaddedK(_ handle: UnsafeRawPointer) -> Int { weight(handle).paddedK }
@_cdecl("arm_weight_panels") public func armWeightPanels(_ handle: UnsafeRawPointer) -> Int { weight(handle).panelCount }
@_cdecl("arm_weight_bytes") public func armWeightBytes(_ handle: UnsafeRawPointer) -> UnsafePointer<Int8> { UnsafePointer(weight(handle).storage) }

@_cdecl("arm_weight_offset")
public func armWeightOffset(_ code: Int, _ kk: Int, _ j: Int, _ paddedK: Int) -> Int {
    ARMInt8Weight.offset(tier(code), kk, j, paddedK: paddedK)
}

@_cdecl("arm_activation_bytes")
public func armActivationBytes(_ code: Int, _ rows: Int, _ paddedK: Int) -> Int {
    ARMActivations.byteCount(tier(code), rows: rows, paddedK: paddedK)
}

@_cdecl("arm_narrow")
public func armNarrow(_ code: Int, _ quanta: UnsafePointer<Int16>, _ ldq: Int, _ rows: Int, _ k: Int, _ paddedK: Int,
                      _ out: UnsafeMutablePointer<Int8>) {
    ARMActivations.narrow(tier(code), quanta: quanta, ldq: ldq, rows: rows, k: k, paddedK: paddedK, into: out)
}

@_cdecl("arm_sums")
public func armSums(_ code: Int, _ a: UnsafePointer<Int8>, _ m: Int, _ handle: UnsafeRawPointer,
                    _ out: UnsafeMutablePointer<Int32>, _ ldo: Int, _ p0: Int, _ p1: Int) {
    ARMInt8GEMM.sums(tier(code), a: a, m: m, weight: weight(handle), into: out, ldo: ldo, panels: p0..<p1)
}

@_cdecl("arm_run")
public func armRun(_ code: Int, _ a: UnsafePointer<Int8>, _ m: Int, _ handle: UnsafeRawPointer,
                   _ rowScales: UnsafePointer<Float>, _ colScales: UnsafePointer<Float>,
                   _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ p0: Int, _ p1: Int) {
    ARMInt8GEMM.run(tier(code), a: a, m: m, weight: weight(handle), rowScales: rowScales, colScales: colScales,
                    c: c, ldc: ldc, panels: p0..<p1)
}

@_cdecl("arm_reference_sums")
public func armReferenceSums(_ q: UnsafePointer<Int16>, _ ldq: Int, _ m: Int, _ w: UnsafePointer<Int8>, _ n: Int, _ k: Int,
                             _ out: UnsafeMutablePointer<Int32>, _ ldo: Int) {
    ARMInt8Reference.sums(quanta: q, ldq: ldq, m: m, weights: w, n: n, k: k, into: out, ldo: ldo)
}

@_cdecl("arm_reference_dequantize")
public func armReferenceDequantize(_ sums: UnsafePointer<Int32>, _ lds: Int, _ m: Int, _ n: Int,
                                   _ rowScales: UnsafePointer<Float>, _ colScales: UnsafePointer<Float>,
                                   _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
    ARMInt8Reference.dequantize(sums, lds: lds, m: m, n: n, rowScales: rowScales, colScales: colScales, c: c, ldc: ldc)
}
#endif

#if arch(arm64)
@_cdecl("arm_float_tile")
public func armFloatTile(_ kc: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ rows: Int, _ panel: UnsafePointer<Float>,
                         _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ cols: Int, _ alpha: Float, _ accumulate: Bool) {
    NEONFloatKernels.tile(kc: kc, a: a, lda: lda, rows: rows, panel: panel, c: c, ldc: ldc, cols: cols, alpha: alpha, accumulate: accumulate)
}

@_cdecl("arm_float_reference")
public func armFloatReference(_ kc: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ rows: Int, _ panel: UnsafePointer<Float>,
                              _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ cols: Int, _ alpha: Float, _ accumulate: Bool) {
    NEONFloatKernels.reference(kc: kc, a: a, lda: lda, rows: rows, panel: panel, c: c, ldc: ldc, cols: cols, alpha: alpha, accumulate: accumulate)
}
#endif

#if arch(arm64)
// The Linear-level entry points, as KoBERTKernels' Int8Linear calls them on arm64.
@_cdecl("arm_linear_new")
public func armLinearNew(_ code: Int, _ values: UnsafePointer<Int8>, _ n: Int, _ k: Int) -> UnsafeMutableRawPointer {
    Unmanaged.passRetained(ARMInt8Linear(values: values, n: n, k: k, tier: tier(code))).toOpaque()
}
func linear(_ handle: UnsafeRawPointer) -> ARMInt8Linear { Unmanaged<ARMInt8Linear>.fromOpaque(handle).takeUnretainedValue() }
@_cdecl("arm_linear_free") public func armLinearFree(_ handle: UnsafeMutableRawPointer) {
    Unmanaged<ARMInt8Linear>.fromOpaque(handle).release()
}
@_cdecl("arm_linear_panels") public func armLinearPanels(_ handle: UnsafeRawPointer) -> Int { linear(handle).panelCount }
@_cdecl("arm_linear_activation_bytes")
public func armLinearActivationBytes(_ handle: UnsafeRawPointer, _ rows: Int) -> Int { linear(handle).activationBytes(rows: rows) }
@_cdecl("arm_linear_prepare")
public func armLinearPrepare(_ handle: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ rows: Int, _ inv: UnsafePointer<Float>?,
                             _ a: UnsafeMutablePointer<Int8>, _ rowScales: UnsafeMutablePointer<Float>) {
    linear(handle).prepare(x: x, rows: rows, inverseScales: inv, into: a, rowScales: rowScales)
}
@_cdecl("arm_linear_forward")
public func armLinearForward(_ handle: UnsafeRawPointer, _ a: UnsafePointer<Int8>, _ rows: Int, _ rowScales: UnsafePointer<Float>,
                             _ columnScales: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?, _ activation: Int,
                             _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ p0: Int, _ p1: Int) {
    linear(handle).forward(a: a, rows: rows, rowScales: rowScales, columnScales: columnScales, bias: bias,
                           activation: ARMActivation(rawValue: activation) ?? .none, into: c, ldc: ldc, panels: p0..<p1)
}
#endif
