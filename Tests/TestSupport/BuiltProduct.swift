import Foundation

/// Where `swift build` put the executables (next to the test bundle); nil when `name` is not built.
public func builtProduct(_ name: String) -> String? {
    var dir = URL(fileURLWithPath: CommandLine.arguments.first(where: { $0.hasSuffix(".xctest") }) ?? CommandLine.arguments[0])
    for _ in 0..<4 {
        dir = dir.deletingLastPathComponent()
        let candidate = dir.appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    let bundle = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }?.bundleURL.deletingLastPathComponent()
    if let candidate = bundle?.appendingPathComponent(name).path, FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    return nil
}
