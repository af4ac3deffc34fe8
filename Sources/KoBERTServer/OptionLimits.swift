import Foundation

/// Range checks for kobertd's numeric options (flags and config file alike), so that a bad value
/// is a one-line usage error at startup instead of a trap later (Double → integer conversions).
public enum OptionLimits {
    /// The longest time any time option may name: one day.
    public static let maxSeconds: Double = 86_400
    /// The smallest frame limit worth serving (an `info` request and its answer fit).
    public static let minFrameBytes = 1024

    /// nil when `value` is a finite time in `(0, max]` (`[0, max]` with `allowZero`), else the problem.
    public static func timeProblem(_ value: Double, allowZero: Bool, max: Double, unit: String) -> String? {
        let low = allowZero ? "≥ 0" : "> 0"
        let rule = "must be a finite number \(low) and ≤ \(format(max)) \(unit)"
        guard value.isFinite else { return rule }
        if allowZero ? value < 0 : value <= 0 { return rule }
        if value > max { return rule }
        return nil
    }

    /// nil when `value` lies in `minimum...maximum`, else the problem.
    public static func countProblem(_ value: Int, minimum: Int, maximum: Int) -> String? {
        (minimum...maximum).contains(value) ? nil : "must be between \(minimum) and \(maximum)"
    }

    /// Seconds → nanoseconds, clamped to `[0, maxSeconds]`; NaN gives 0. Never traps.
    public static func nanoseconds(seconds: Double) -> Int64 {
        guard seconds.isFinite else { return seconds.isNaN || seconds < 0 ? 0 : Int64(maxSeconds * 1e9) }
        return Int64(Swift.min(Swift.max(seconds, 0), maxSeconds) * 1e9)
    }

    /// Milliseconds → nanoseconds, clamped to `[0, maxSeconds]`; NaN gives 0. Never traps.
    public static func nanoseconds(milliseconds: Double) -> UInt64 {
        guard !milliseconds.isNaN else { return 0 }
        return UInt64(nanoseconds(seconds: milliseconds / 1e3))
    }

    static func format(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v) }
}
