import KoBERTCore

/// Weight names as the encoder asks for them: no leading `distilbert.` / `bert.` / `roberta.`
/// (XLM-R's models use `roberta.` too), and the old LayerNorm spelling `.gamma` / `.beta` read as
/// `.weight` / `.bias`.
public enum CanonicalNames {
    static let modelPrefixes = ["distilbert.", "bert.", "roberta."]

    public static func canonical(_ name: String) -> String {
        var result = Substring(name)
        for prefix in modelPrefixes where result.hasPrefix(prefix) {
            result = result.dropFirst(prefix.count)
            break
        }
        if result.hasSuffix(".gamma") { return String(result.dropLast("gamma".count)) + "weight" }
        if result.hasSuffix(".beta") { return String(result.dropLast("beta".count)) + "bias" }
        return String(result)
    }

    /// Renames every tensor; two stored names that land on one canonical name are an error.
    public static func canonicalize(_ tensors: [String: Tensor], file: String) throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        var origin: [String: String] = [:]
        result.reserveCapacity(tensors.count)
        for name in tensors.keys.sorted() {
            let canonicalName = canonical(name)
            if let other = origin[canonicalName] {
                throw KoBERTError("\(file): tensors \(other) and \(name) both mean \(canonicalName)")
            }
            origin[canonicalName] = name
            result[canonicalName] = tensors[name]
        }
        return result
    }
}
