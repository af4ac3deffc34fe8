// Which AArch64 int8 tier this CPU runs, from the kernel's hardware capability words (getauxval).
// Compiles under Embedded Swift (the emulated check, Tools/arm/check) and as a normal SwiftPM target.
#if arch(arm64)
#if canImport(Glibc)
import Glibc
#elseif hasFeature(Embedded)
@_extern(c, "getauxval") func getauxval(_ type: UInt) -> UInt
#endif

/// The AArch64 int8 kernel tiers, slowest to fastest. Each packs the weight its own way (ARMInt8Weight).
public enum ARMInt8Tier: Int {
    /// ARMv8.0 Advanced SIMD: smull + smlal2 + sadalp (Cortex-A53/A55/A72).
    case neon = 0
    /// ARMv8.2 dot product, SDOT by element (Cortex-A76, Neoverse N1).
    case dotprod = 1
    /// ARMv8.6 int8 matrix multiply, SMMLA 2×8 · 8×2 (Neoverse V1/N2, Graviton3).
    case i8mm = 2
}

public enum ARMFeatures {
    // <asm/hwcap.h>: AT_HWCAP = 16, AT_HWCAP2 = 26, HWCAP_ASIMDDP = 1 << 20, HWCAP2_I8MM = 1 << 13.
    static let atHWCAP: UInt = 16, atHWCAP2: UInt = 26
    static let hwcapASIMDDP: UInt = 1 << 20, hwcap2I8MM: UInt = 1 << 13

    /// Whether the CPU and kernel support SDOT/UDOT (FEAT_DotProd).
    public static var hasDotProd: Bool { capabilities().hwcap & hwcapASIMDDP != 0 }

    /// Whether the CPU and kernel support SMMLA/UMMLA (FEAT_I8MM).
    public static var hasI8MM: Bool { capabilities().hwcap2 & hwcap2I8MM != 0 }

    /// The fastest tier this CPU can run. Advanced SIMD is part of every AArch64 Linux CPU.
    public static func bestTier() -> ARMInt8Tier {
        if hasI8MM { return .i8mm }
        if hasDotProd { return .dotprod }
        return .neon
    }

    /// On Linux the capability words; elsewhere (macOS) none, so only `neon` is chosen.
    static func capabilities() -> (hwcap: UInt, hwcap2: UInt) {
        #if canImport(Glibc) || hasFeature(Embedded)
        return (UInt(getauxval(atHWCAP)), UInt(getauxval(atHWCAP2)))
        #else
        return (0, 0)
        #endif
    }
}
#endif
