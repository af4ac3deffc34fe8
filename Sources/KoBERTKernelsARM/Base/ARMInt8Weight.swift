// An int8 Linear weight repacked at load for one AArch64 tier. All tiers use panels of 16 output columns
// (columns past n are zero) and k padded with zeros to the tier's step; they differ inside a panel:
//   neon:    per 16-k block, column j's 16 bytes at 16j        (256 bytes a block; smull/smlal2 on whole rows)
//   dotprod: per 4-k quad,   column j's 4 bytes at 4j          (64 bytes a quad; one SDOT gives 4 columns)
//   i8mm:    per 8-k octet,  column pair p's 2 × 8 bytes at 16p (128 bytes an octet; SMMLA's 8×2 operand)
// The dotprod layout is Int8Panels' `.quads` with k padded to 8 instead of 4.
#if arch(arm64)

public final class ARMInt8Weight {
    public static let panelWidth = 16
    public let tier: ARMInt8Tier
    public let n: Int
    public let k: Int
    public let paddedK: Int
    public let panelCount: Int
    public let storage: UnsafeMutablePointer<Int8>

    /// k is padded to this many: the neon kernel steps 16 k at a time, dotprod and i8mm 8.
    public static func kStep(_ tier: ARMInt8Tier) -> Int { tier == .neon ? 16 : 8 }

    /// The k-group whose bytes lie contiguous for one column.
    static func group(_ tier: ARMInt8Tier) -> Int {
        switch tier {
        case .neon: return 16
        case .dotprod: return 4
        case .i8mm: return 8
        }
    }

    /// From PyTorch layout [n][k] (row j = output column j). Callers check n, k ≥ 0 and n · k fits.
    public init(values: UnsafePointer<Int8>, n: Int, k: Int, tier: ARMInt8Tier) {
        self.tier = tier; self.n = n; self.k = k
        let step = ARMInt8Weight.kStep(tier)
        paddedK = max(step, (k + step - 1) / step * step)
        panelCount = (n + ARMInt8Weight.panelWidth - 1) / ARMInt8Weight.panelWidth
        let count = max(1, panelCount * paddedK * ARMInt8Weight.panelWidth)
        storage = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 64).bindMemory(to: Int8.self, capacity: count)
        storage.initialize(repeating: 0, count: count)
        // Whole groups move as one load and store: this runs for every Linear at model load.
        let g = ARMInt8Weight.group(tier), whole = k / g
        for j in 0..<n {
            let source = UnsafeRawPointer(values + j * k)
            let destination = UnsafeMutableRawPointer(storage)
            for q in 0..<whole {
                let at = ARMInt8Weight.offset(tier, q * g, j, paddedK: paddedK)
                switch g {
                case 16: destination.storeBytes(of: source.loadUnaligned(fromByteOffset: q * g, as: SIMD16<Int8>.self), toByteOffset: at, as: SIMD16<Int8>.self)
                case 8: destination.storeBytes(of: source.loadUnaligned(fromByteOffset: q * g, as: UInt64.self), toByteOffset: at, as: UInt64.self)
                default: destination.storeBytes(of: source.loadUnaligned(fromByteOffset: q * g, as: UInt32.self), toByteOffset: at, as: UInt32.self)
                }
            }
            for kk in (whole * g)..<k { storage[ARMInt8Weight.offset(tier, kk, j, paddedK: paddedK)] = values[j * k + kk] }
        }
    }

    deinit { storage.deallocate() }

    /// Byte offset of w[k = kk][column j] in a tier's packed weight.
    @inline(__always)
    public static func offset(_ tier: ARMInt8Tier, _ kk: Int, _ j: Int, paddedK: Int) -> Int {
        let panel = (j / panelWidth) * paddedK * panelWidth, jj = j % panelWidth
        switch tier {
        case .neon: return panel + (kk / 16) * 256 + jj * 16 + kk % 16
        case .dotprod: return panel + (kk / 4) * 64 + jj * 4 + kk % 4
        case .i8mm: return panel + (kk / 8) * 128 + (jj / 2) * 16 + (jj % 2) * 8 + kk % 8
        }
    }

    @inline(__always)
    public func panel(_ p: Int) -> UnsafePointer<Int8> { UnsafePointer(storage + p * paddedK * ARMInt8Weight.panelWidth) }
}
#endif
