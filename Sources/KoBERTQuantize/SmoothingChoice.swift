import Foundation
import KoBERTCore
import KoBERTModel
import KoBERTRuntime

/// Whether outlier smoothing helps this model, decided by measurement (unless `--smooth ALPHA` or
/// `--no-smooth` was given): the model at the plan's grids with smoothing and without, each against
/// fp32 on the calibration sentences. Smoothing pays on trained models whose activations have
/// outlier channels (all-MiniLM-L6-v2: held-out worst mean-pooled cosine 0.988 → 0.996) and costs on
/// ones without (the full-size random DistilKoBERT: held-out worst logits cosine 0.9972 → 0.9844), so
/// neither default suits both. The lower mean deficit (1 − cosine, the larger over the compared
/// views) wins: a mean over the sentences is steadier than the single worst one.
extension SensitivityPass {
    /// The plan's smoothing when it measured better, else nil; and a line saying what was measured.
    func chooseSmoothing() throws -> (smoothing: Float?, line: String) {
        guard let alpha = plan.smoothing else { return (nil, "outlier smoothing: off") }
        func deficit(_ trialPlan: QuantizationPlan) throws -> (mean: Double, worst: Double, agreement: Int) {
            let operators = TrialOperators(reference: reference, tensors: tensors, plan: trialPlan, activationMaxima: activationMaxima)
            let got = try Self.outputs(try Predictor(weights: TrialWeights(operators: operators, bits: [:]), task: task, threads: threads),
                                       task: task, sequences)
            let d = Self.compare(fp32, got)
            let views = d.perView.indices
            return (views.map(d.mean).max() ?? 0, views.map(d.worst).max() ?? 0, d.agreement)
        }
        var plain = plan
        plain.smoothing = nil
        let smoothed = try deficit(plan), unsmoothed = try deficit(plain)
        let keep = smoothed.agreement >= unsmoothed.agreement && smoothed.mean <= unsmoothed.mean
        let line = String(format: "outlier smoothing measured on %d sequences: α = %.2f cosine mean %.6f worst %.6f; off %.6f / %.6f: %@",
                          sequences.count, alpha, 1 - smoothed.mean, 1 - smoothed.worst, 1 - unsmoothed.mean, 1 - unsmoothed.worst,
                          keep ? String(format: "kept α = %.2f", alpha) : "off")
        return (keep ? alpha : nil, line)
    }
}
