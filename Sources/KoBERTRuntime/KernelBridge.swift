import KoBERTKernels
import KoBERTCore
import KoBERTModel
import KoBERTFormat

// Where this module meets the kernels' int8 format: the reference quantizer defines the values,
// Int8Linear runs them. Kept in one place so the packed format has a single source of truth.
package enum KernelBridge {
    package static func quantizePerRow(_ weight: [Float], rows: Int, columns: Int, bits: Int = 8) -> (values: [Int8], scales: [Float]) {
        Int8Quantizer.quantizePerChannel(weight: weight, outFeatures: rows, inFeatures: columns, bits: bits)
    }

    /// The same rule applied to W[o][k]·s[k] (outlier smoothing).
    package static func quantizePerRow(_ weight: [Float], rows: Int, columns: Int, inputScales: [Float],
                               bits: Int = 8) -> (values: [Int8], scales: [Float]) {
        Int8Quantizer.quantizePerChannel(weight: weight, outFeatures: rows, inFeatures: columns, inputChannelScales: inputScales,
                                         bits: bits)
    }

    package static func smoothingScales(activationMaxima: [Float], weight: [Float], rows: Int, columns: Int, alpha: Float) -> [Float] {
        Int8Quantizer.smoothingScales(activationMaxAbs: activationMaxima, weight: weight, outFeatures: rows,
                                      inFeatures: columns, alpha: alpha)
    }

    package static func int8Linear(values: [Int8], scales: [Float], bias: [Float]?, outFeatures: Int, inFeatures: Int,
                           inputScales: [Float]?) -> any LinearOperator {
        Int8Linear(values: values, scales: scales, bias: bias, outFeatures: outFeatures, inFeatures: inFeatures,
                   inputChannelScales: inputScales)
    }
}
