import KoBERTCore

/// `pytorch_model.bin` as torch ≥ 1.6 writes it: a zip holding `<root>/data.pkl` (the state-dict
/// pickle) and one `<root>/data/<key>` entry of raw little-endian bytes per storage.
enum TorchZipReader {
    static func list(_ file: FileBytes) throws -> WeightListing {
        let archive = try ZipArchive(file)
        let pickles = archive.names.filter { $0 == "data.pkl" || $0.hasSuffix("/data.pkl") }
        guard let pickleName = pickles.min(by: { $0.count < $1.count }) else {
            throw KoBERTError("\(file.name): zip has no data.pkl; not a torch checkpoint")
        }
        let root = String(pickleName.dropLast("data.pkl".count))
        if archive.entries[root + "byteorder"] != nil {
            let order = String(decoding: try archive.contents(of: root + "byteorder"), as: UTF8.self)
            guard order.hasPrefix("little") else { throw KoBERTError("\(file.name): byte order \(order) is not supported") }
        }
        let pickleBytes = try archive.contents(of: pickleName)
        let pickleFile = FileBytes(name: "\(file.name) (\(pickleName))", data: .init(pickleBytes))
        let rules = TorchPickleRules(fileName: file.name)
        let (value, _) = try Unpickler.load(ByteReader(pickleFile), rules: rules)
        return try TorchStateDict.listing(value, file: file) { storage in
            guard let entry = archive.entries[root + "data/" + storage.key] else {
                throw KoBERTError("\(file.name): storage \(storage.key) has no zip entry \(root)data/\(storage.key)")
            }
            return .init(byteOffset: entry.dataOffset, count: entry.size / storage.type.byteSize)
        }
    }
}
