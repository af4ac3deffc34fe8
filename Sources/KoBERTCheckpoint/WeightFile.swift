import KoBERTCore

/// One weight file, whatever its format: safetensors, torch zip, or torch legacy (by magic).
public enum WeightFile {
    /// All floating tensors of the file as fp32, under the names stored in it.
    public static func readTensors(path: String) throws -> [String: Tensor] {
        try list(path: path).materialize()
    }

    static func list(path: String) throws -> WeightListing {
        try list(file: try FileBytes(path: path))
    }

    static func list(file: FileBytes) throws -> WeightListing {
        if file.name.hasSuffix(".safetensors") { return try SafetensorsReader.list(file) }
        if ZipArchive.isZip(file) { return try TorchZipReader.list(file) }
        if TorchLegacyReader.isLegacy(file) { return try TorchLegacyReader.list(file) }
        throw KoBERTError("\(file.name): not a safetensors, torch zip or legacy torch file")
    }
}
