#!/usr/bin/env python3
"""Hostile load on kobertd (issue 11, items 3 and 4), stdlib only.

Starts its own kobertd on a temporary socket, runs one scenario while a probe client sends
one-text nsmc requests one at a time, and prints the probe's latencies and the daemon's RSS
(VmRSS before, VmHWM = peak after; read from /proc).

  tokenize  N connections each send one ~1 MiB tokenize frame ("가나다 " x 104,837 in one text;
            --unit 가나다 --words 116486 for the same size without spaces)
  flood     one connection pipelines 8 nsmc requests of 64 texts of ~16 KiB each

    swift build -c release --product kobertd
    python3 Tools/bench/hostile_load.py tokenize
    python3 Tools/bench/hostile_load.py flood --model nsmc=models/nsmc.kbt -- --threads 2

Arguments after "--" go to kobertd.
"""
import argparse
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

FRAME_LIMIT = 1 << 20
PROBE_TEXTS = ["정말 재미있는 영화였다", "시간 아까웠다", "배우들 연기가 좋았어요", "그냥 그랬다", "최고의 영화!"]


class Connection:
    def __init__(self, path, timeout=120.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)

    def send(self, message):
        body = json.dumps(message, ensure_ascii=False).encode("utf-8")
        self.sock.sendall(struct.pack(">I", len(body)) + body)
        return len(body)

    def _exact(self, n):
        data = bytearray()
        while len(data) < n:
            chunk = self.sock.recv(min(n - len(data), 1 << 20))
            if not chunk:
                raise ConnectionError("kobertd closed the connection")
            data += chunk
        return bytes(data)

    def receive(self):
        (length,) = struct.unpack(">I", self._exact(4))
        return length, json.loads(self._exact(length).decode("utf-8"))

    def close(self):
        self.sock.close()


def request(rid, method, params):
    return {"jsonrpc": "2.0", "id": rid, "method": method, "params": params}


def proc_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def outcome(answer):
    return f"error {answer['error']['code']}" if "error" in answer else "ok"


class Probe(threading.Thread):
    """One-text nsmc requests, one at a time, until stopped; latencies in seconds."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path, self.latencies, self.errors, self.starts = path, [], [], []
        self.stop = threading.Event()

    def run(self):
        c = Connection(self.path)
        i = 0
        while not self.stop.is_set():
            started = time.monotonic()
            c.send(request(i, "nsmc", {"texts": [PROBE_TEXTS[i % len(PROBE_TEXTS)]]}))
            _, answer = c.receive()
            self.latencies.append(time.monotonic() - started)
            self.starts.append(started)
            if "error" in answer:
                self.errors.append(answer["error"]["code"])
            i += 1
            time.sleep(0.01)
        c.close()

    def summary(self):
        s = sorted(self.latencies)
        if not s:
            return "probe: no requests"
        pick = lambda p: s[min(len(s) - 1, max(0, int(p / 100 * len(s) + 0.999999) - 1))] * 1000
        slowest = sorted(zip(self.latencies, self.starts), reverse=True)[:3]
        when = ", ".join(f"{lat * 1000:.0f} ms at +{start - self.starts[0]:.1f} s" for lat, start in slowest)
        return (f"probe: {len(s)} requests, errors {len(self.errors)}, p50 {pick(50):.1f} ms, "
                f"p99 {pick(99):.1f} ms, max {s[-1] * 1000:.1f} ms (slowest: {when})")


def tokenize_attack(path, connections, words, unit):
    text = unit * words
    results = [None] * connections

    def one(k):
        c = Connection(path)
        started = time.monotonic()
        sent = c.send(request(k, "tokenize", {"texts": [text]}))
        length, answer = c.receive()
        results[k] = (sent, length, outcome(answer), time.monotonic() - started)
        c.close()

    threads = [threading.Thread(target=one, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k, (sent, length, result, seconds) in enumerate(results):
        print(f"tokenize connection {k}: sent {sent} bytes, answer {length} bytes, {result}, {seconds * 1000:.0f} ms")


def flood_attack(path, requests, texts, text_bytes):
    unit = "정말 재미있는 영화였다 "
    text = (unit * (text_bytes // len(unit.encode()) + 1)).encode()[:text_bytes].decode("utf-8", "ignore")
    c = Connection(path, timeout=600)
    started = time.monotonic()
    sizes = [c.send(request(r, "nsmc", {"texts": [text] * texts})) for r in range(requests)]
    outcomes = []
    for _ in range(requests):
        _, answer = c.receive()
        outcomes.append(outcome(answer))
    c.close()
    print(f"flood: {requests} requests of {texts} texts x {len(text.encode())} bytes (frames of {max(sizes)} bytes), "
          f"answered {outcomes.count('ok')} ok {[o for o in outcomes if o != 'ok']} in {time.monotonic() - started:.1f} s")


def main():
    argv = sys.argv[1:]
    daemon_args = []
    if "--" in argv:
        daemon_args = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario", choices=["tokenize", "flood"])
    ap.add_argument("--kobertd", default=".build/release/kobertd")
    ap.add_argument("--model", default="nsmc=models/nsmc.kbt")
    ap.add_argument("--connections", type=int, default=4, help="tokenize: attacking connections")
    ap.add_argument("--words", type=int, default=104_837, help="tokenize: repeats of --unit in the one text")
    ap.add_argument("--unit", default="가나다 ", help="tokenize: the repeated string (default '가나다 ')")
    ap.add_argument("--requests", type=int, default=8, help="flood: pipelined requests")
    ap.add_argument("--texts", type=int, default=64, help="flood: texts per request")
    ap.add_argument("--text-bytes", type=int, default=(FRAME_LIMIT - 1024) // 64, help="flood: UTF-8 bytes per text")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="kbhl-") as tmp:
        path = os.path.join(tmp, "k.sock")
        daemon = subprocess.Popen([args.kobertd, "--socket", path, "--model", args.model, "--log-level", "warning"] + daemon_args)
        try:
            for _ in range(300):
                if os.path.exists(path):
                    break
                if daemon.poll() is not None:
                    sys.exit(f"kobertd exited with {daemon.returncode}")
                time.sleep(0.05)
            time.sleep(0.2)
            print(f"kobertd pid {daemon.pid}: RSS before {proc_kb(daemon.pid, 'VmRSS') / 1024:.0f} MB")
            probe = Probe(path)
            probe.start()
            time.sleep(0.5)   # a few unloaded probe requests first
            if args.scenario == "tokenize":
                tokenize_attack(path, args.connections, args.words, args.unit)
            else:
                flood_attack(path, args.requests, args.texts, args.text_bytes)
            time.sleep(0.5)
            probe.stop.set()
            probe.join()
            print(probe.summary())
            print(f"kobertd peak RSS (VmHWM) {proc_kb(daemon.pid, 'VmHWM') / 1024:.0f} MB, "
                  f"RSS after {proc_kb(daemon.pid, 'VmRSS') / 1024:.0f} MB")
        finally:
            daemon.terminate()
            daemon.wait(timeout=30)


if __name__ == "__main__":
    main()
