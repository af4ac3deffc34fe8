import Foundation
#if arch(x86_64)
import _Builtin_intrinsics.intel.cpuid
#endif
#if arch(arm64)
import KoBERTKernelsARM
#endif

/// A set of kernels that compute the same products: `reference` (plain scalar loops, the oracle),
/// `generic` (Swift SIMD types, any CPU), `avx2` (AVX2 + FMA intrinsics, x86-64 only), `avx512vnni`
/// (the AVX2 fp32 kernels plus AVX-512 VNNI int8 kernels; only when the package builds KoBERTKernelsVNNI).
/// Picked once at start-up: the best the CPU has, unless KOBERT_KERNEL=reference|generic|avx2|avx512vnni says otherwise.
/// On AArch64 `neon` (any core), `dotprod` (HWCAP_ASIMDDP), `i8mm` (HWCAP2_I8MM) from getauxval, the best
/// being `active` (KOBERT_KERNEL=neon|dotprod|i8mm forces one); their int8 Linear and fp32 tile are KoBERTKernelsARM's.
public enum KernelFamily: String, Sendable, CaseIterable {
    case reference
    case generic
    case avx2
    case avx512vnni
    #if arch(arm64)
    // AArch64 tiers (KoBERTKernelsARM): ARMv8.0 widening multiply-accumulate, SDOT, SMMLA; by getauxval.
    case neon
    case dotprod
    case i8mm
    #endif

    /// The family every operator uses unless a caller names one explicitly.
    public static let active: KernelFamily = resolveActive()

    /// Families this CPU can run.
    public static let available: [KernelFamily] = {
        var families: [KernelFamily] = [.reference, .generic]
        if CPUFeatures.hasAVX2FMA { families.append(.avx2) }
        if CPUFeatures.hasAVX2FMA && CPUFeatures.hasAVX512VNNI && VNNIBridge.isCompiledIn && CPUFeatures.osSavesAVX512State {
            families.append(.avx512vnni)
        }
        #if arch(arm64)
        // Int8Linear runs these through KoBERTKernelsARM (ARMInt8Linear); FloatLinear gets the NEON fp32 tile
        // (KernelTable's NEONKernels). Both are checked under qemu by Tools/arm/check; no arm64 build here.
        families.append(.neon)
        if ARMFeatures.hasDotProd { families.append(.dotprod) }
        if ARMFeatures.hasI8MM { families.append(.i8mm) }
        #endif
        return families
    }()

    /// How this family's int8 kernels want a weight packed whose largest |value| is `weightMagnitude`.
    func int8Layout(weightMagnitude: Int) -> Int8Panels.Layout { kernels.int8Layout(weightMagnitude: weightMagnitude) }

    public var isAvailable: Bool { KernelFamily.available.contains(self) }

    private static func resolveActive() -> KernelFamily {
        let best = available.last!
        guard let wanted = ProcessInfo.processInfo.environment["KOBERT_KERNEL"], !wanted.isEmpty else { return best }
        guard let family = KernelFamily(rawValue: wanted.lowercased()) else {
            FileHandle.standardError.write(Data("KOBERT_KERNEL=\(wanted) is not one of \(allCases.map(\.rawValue).joined(separator: "|")); using \(best.rawValue)\n".utf8))
            return best
        }
        guard family.isAvailable else {
            FileHandle.standardError.write(Data("KOBERT_KERNEL=\(wanted) is not available here (CPU or build); using \(best.rawValue)\n".utf8))
            return best
        }
        return family
    }
}

/// CPUID checks. AVX2 code needs AVX2 and FMA, and the OS must save YMM state (OSXSAVE set; Linux does).
enum CPUFeatures {
    static let hasAVX2FMA: Bool = {
        #if arch(x86_64)
        var a: UInt32 = 0, b: UInt32 = 0, c: UInt32 = 0, d: UInt32 = 0
        guard __get_cpuid(1, &a, &b, &c, &d) != 0 else { return false }
        let fma = c & (1 << 12) != 0, osxsave = c & (1 << 27) != 0, avx = c & (1 << 28) != 0
        guard fma, osxsave, avx else { return false }
        guard __get_cpuid_count(7, 0, &a, &b, &c, &d) != 0 else { return false }
        return b & (1 << 5) != 0
        #else
        return false
        #endif
    }()

    /// Whether the OS saves AVX-512 state. XGETBV is not importable into Swift (a clang macro); Linux
    /// lists avx512 flags in /proc/cpuinfo only when it enables their state, so that is the check there.
    static let osSavesAVX512State: Bool = {
        #if os(Linux)
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flags = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        let names = Set(flags.split(separator: " ").map(String.init))
        return names.contains("avx512_vnni") && names.contains("avx512vl") && names.contains("avx512bw")
        #else
        return true
        #endif
    }()

    /// AVX-512 F, BW, VL and VNNI (the 256-bit vpdpbusd needs VL).
    static let hasAVX512VNNI: Bool = {
        #if arch(x86_64)
        var a: UInt32 = 0, b: UInt32 = 0, c: UInt32 = 0, d: UInt32 = 0
        guard __get_cpuid(1, &a, &b, &c, &d) != 0, c & (1 << 27) != 0 else { return false }
        guard __get_cpuid_count(7, 0, &a, &b, &c, &d) != 0 else { return false }
        let f = b & (1 << 16) != 0, bw = b & (1 << 30) != 0, vl = b & (1 << 31) != 0, vnni = c & (1 << 11) != 0
        return f && bw && vl && vnni
        #else
        return false
        #endif
    }()
}
