import KoBERTCore

extension PackFormat {
    /// The most bytes all blobs of one file may decompress to (2 GiB: BERT-large in fp32 is 1.3 GB).
    /// Checked over the manifest before any blob is read, so no file can make a loader allocate more.
    static let maximumRawBytes = 1 << 31
    /// The most dimensions a tensor may have.
    static let maximumRank = 8
}

extension PackManifest {
    /// Everything the manifest states that can be checked without reading a blob: the version,
    /// the configuration's ranges, unique tensor names, each tensor's blob sizes against its shape
    /// and dtype, every blob inside the data section, and the total decompressed size. All
    /// arithmetic is overflow-checked; the first violation is one line naming `file`.
    func validate(file: String, dataSize: Int) throws {
        func fail(_ detail: String) -> KoBERTError { KoBERTError("\(file): \(detail)") }
        guard formatVersion == PackFormat.version else {
            throw fail("unknown format version \(formatVersion) in the manifest")
        }
        guard format == "kobert-pack" else { throw fail("manifest format is \"\(format)\", not \"kobert-pack\"") }
        try config.validate(file: "\(file): manifest config")
        guard labels.count <= ModelConfig.Limits.labels else { throw fail("\(labels.count) labels, more than \(ModelConfig.Limits.labels)") }
        if let tokenizer, !(1...ModelConfig.Limits.maxPositions).contains(tokenizer.maxLength) {
            throw fail("tokenizer maxLength \(tokenizer.maxLength) out of range 1…\(ModelConfig.Limits.maxPositions)")
        }
        if let tokenizer { try tokenizer.validate(fail) }

        var names = Set<String>()
        for tensor in tensors {
            guard names.insert(tensor.name).inserted else { throw fail("tensor \(tensor.name) appears twice in the manifest") }
            try tensor.validateSizes(file: file)
        }

        // A classifier's labels name its rows (checked again, by name, once the model is built).
        if task == "nsmc" || task == "ner",
           let classifier = entry(config.labelLinearName(sequenceClassification: task == "nsmc") + ".weight"),
           let rows = classifier.shape.first,
           labels.count != rows {
            throw fail("the manifest has \(labels.count) labels but the classifier has \(rows) rows")
        }

        var rawTotal = 0
        for blob in allBlobs() {
            let ref = blob.ref
            let what = "\(file): \(blob.what)"
            let end = try CheckedSize.sum(ref.offset, ref.storedSize, what)
            guard end <= dataSize else { throw fail("\(blob.what) lies outside the data section") }
            rawTotal = try CheckedSize.sum(rawTotal, ref.rawSize, what)
            guard rawTotal <= PackFormat.maximumRawBytes else {
                throw fail("blobs decompress to more than \(PackFormat.maximumRawBytes) bytes (the stated limit)")
            }
        }
    }
}

extension PackedTokenizer {
    /// The kinds this format knows; KoBERT's carries `model` + `vocab`, the others a few named files
    /// (which names each kind reads is the tokenizer loader's check). The same names as KoBERTTokenizer's
    /// `TokenizerFolderKind.manifestName`, which this module cannot import (the format knows no tokenizer).
    static let kinds = [koBertKind, "wordpiece", "tokenizer.json"]
    static let maximumFiles = 8

    func validate(_ fail: (String) -> KoBERTError) throws {
        guard Self.kinds.contains(kindName) else { throw fail("unknown tokenizer kind \"\(kindName)\" (\(Self.kinds.joined(separator: ", ")))") }
        if kindName == Self.koBertKind {
            guard model != nil, vocab != nil, files == nil else { throw fail("a \(Self.koBertKind) tokenizer needs model and vocab, and no files") }
            return
        }
        guard model == nil, vocab == nil, let files, !files.isEmpty, files.count <= Self.maximumFiles else {
            throw fail("a \(kindName) tokenizer needs 1…\(Self.maximumFiles) files, and no model or vocab")
        }
        var names = Set<String>()
        for file in files {
            guard !file.name.isEmpty, file.name.utf8.count <= 64, !file.name.contains("/") else {
                throw fail("tokenizer file name \"\(file.name.prefix(64))\" is not a plain file name")
            }
            guard names.insert(file.name).inserted else { throw fail("tokenizer file \(file.name) appears twice") }
        }
    }
}

extension PackedTensorEntry {
    /// The blobs a tensor of this dtype and shape must have, with their exact sizes (FORMAT.md's
    /// tensor table). Dimensions are ≥ 1: no tensor of a BERT is empty.
    package func validateSizes(file: String) throws {
        func fail(_ detail: String) -> KoBERTError { KoBERTError("\(file): tensor \(name) (\(dtype.rawValue), shape \(shape)): \(detail)") }
        let what = "\(file): tensor \(name)"
        guard shape.count <= PackFormat.maximumRank else { throw fail("more than \(PackFormat.maximumRank) dimensions") }
        let elementSize = switch dtype { case .f32: 4; case .f16: 2; case .i8: 1 }
        let bytes = try CheckedSize.byteCount(shape, elementSize: elementSize, minimumDimension: 1,
                                              limit: PackFormat.maximumRawBytes, what)
        guard data.rawSize == bytes else { throw fail("data blob holds \(data.rawSize) bytes, the shape needs \(bytes)") }
        if let bits, dtype != .i8 || !(2...8).contains(bits) {
            throw fail("bits \(bits); only i8 tensors of 2…8 bits are readable")
        }
        guard dtype == .i8 else {
            guard scales == nil, inputScales == nil else { throw fail("scales are only for i8 tensors") }
            return
        }
        guard shape.count == 2 else { throw fail("an i8 tensor must have 2 dimensions") }
        guard let scales else { throw fail("an i8 tensor needs a scales blob") }
        // rows × 4 and columns × 4 cannot overflow: both are ≤ the byte count checked above.
        guard scales.rawSize == shape[0] * 4 else { throw fail("scales blob holds \(scales.rawSize) bytes, \(shape[0]) rows need \(shape[0] * 4)") }
        if let inputScales, inputScales.rawSize != shape[1] * 4 {
            throw fail("input scales blob holds \(inputScales.rawSize) bytes, \(shape[1]) columns need \(shape[1] * 4)")
        }
    }
}
