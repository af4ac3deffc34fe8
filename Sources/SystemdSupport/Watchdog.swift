#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// systemd's watchdog settings: enabled only when `WATCHDOG_USEC` is set and `WATCHDOG_PID`
/// is unset or names this process (sd_watchdog_enabled). Ping at half the interval.
public struct WatchdogSettings: Sendable, Equatable {
    public let intervalMicroseconds: UInt64

    public init?(environment: [String: String], pid: Int32 = getpid()) {
        guard let raw = environment["WATCHDOG_USEC"], let usec = UInt64(raw), usec > 0 else { return nil }
        if let pidText = environment["WATCHDOG_PID"] {
            guard let owner = Int32(pidText), owner == pid else { return nil }
        }
        self.intervalMicroseconds = usec
    }

    /// How often to ping: half of systemd's interval, as recommended by sd_watchdog_enabled(3).
    public var pingIntervalNanoseconds: UInt64 { intervalMicroseconds * 1000 / 2 }
}

/// CLOCK_MONOTONIC in microseconds, for `RELOADING=1` / `MONOTONIC_USEC=`.
public func monotonicMicroseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
}
