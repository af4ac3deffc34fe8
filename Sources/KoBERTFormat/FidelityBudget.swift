import Foundation

/// The least agreement with fp32 a packed model must keep on text like its calibration sentences
/// (the sensitivity pass holds the calibration sentences themselves to a quarter of each deficit):
/// output cosine mean and worst sentence (for embed, both the [CLS] and the mean-pooled vector),
/// and for classifiers no argmax that the plain 8-bit grids keep may flip.
public struct FidelityBudget: Sendable, Equatable, Codable {
    public var meanCosine: Double
    public var worstCosine: Double

    public init(meanCosine: Double, worstCosine: Double) {
        self.meanCosine = meanCosine; self.worstCosine = worstCosine
    }

    /// 0.999 / 0.995: on held-out text that keeps a trained encoder's vectors within what plain
    /// int8 keeps (README, "int8 fidelity").
    public static let standard = FidelityBudget(meanCosine: 0.999, worstCosine: 0.995)

    /// "MEAN,WORST", each in (0, 1], worst ≤ mean; nil for anything else.
    public init?(parsing text: String) {
        let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let mean = parts[0], let worst = parts[1], mean > 0, mean <= 1, worst > 0,
              worst <= mean else { return nil }
        self.init(meanCosine: mean, worstCosine: worst)
    }
}
