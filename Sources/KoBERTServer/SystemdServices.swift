import Foundation
import Logging
import ServiceLifecycle
import SystemdSupport
import UnixSignals

/// Pings systemd's watchdog at half its interval, but only while the event loop answers and
/// the engine makes progress: a wedged daemon stops pinging and systemd restarts it.
public struct WatchdogService: Service {
    let settings: WatchdogSettings
    let server: KoBERTServer
    let logger: Logger

    public init(settings: WatchdogSettings, server: KoBERTServer, logger: Logger) {
        self.settings = settings; self.server = server; self.logger = logger
    }

    public func run() async throws {
        let interval = settings.pingIntervalNanoseconds
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(nanoseconds: interval)
                // A batch may legitimately run for seconds; only one with no batch finished for a
                // whole watchdog interval counts as stuck.
                if await server.isHealthy(withinSeconds: Double(interval) / 4e9,
                                          progressWindowSeconds: Double(settings.intervalMicroseconds) / 1e6) {
                    server.notifier.send(.watchdog)
                } else {
                    logger.warning("watchdog: event loop or inference engine not making progress; not pinging")
                }
            }
        }
    }
}

/// SIGHUP → reload every model file (RELOADING=1 … READY=1 around it).
public struct ReloadOnHangupService: Service {
    let server: KoBERTServer
    public init(server: KoBERTServer) { self.server = server }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            server.reloadModels()
        }
    }
}
