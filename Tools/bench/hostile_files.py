#!/usr/bin/env python3
"""Checksum-valid .kbt files with absurd numbers, through every tool that opens a model.

    Tools/bench/hostile_files.py [--model models/nsmc.kbt] [--bin .build/release] [--quick]

Takes a good packed file apart (header, manifest JSON, data section) and writes one variant per
(field, value): every header field, every numeric field of the manifest's config and tokenizer,
the format version, and every numeric field of one tensor entry of each kind (narrow i8
embedding, i8 position table, smoothed i8 Linear, fp32 LayerNorm, the classifier), plus the cases
issue 11 reported by name. Each variant's CRCs are recomputed, so only the number is wrong.

Each variant goes through
  1. kobert predict --model V            (must exit 1..127 with one line on stderr)
  2. kobert-quantize inspect V --verify  (the same)
  3. kobertd --model nsmc=V              (must refuse to start: exit 1..127, one line, no socket left)
  4. a running kobertd whose model file is replaced by V, then SIGHUP'ed: it must log the failed
     reload, stay alive, answer an nsmc request exactly as before, and keep generation 1.
A crash is a death by signal or an exit status >= 128. Prints a summary; exit 1 if anything failed.
"""
import argparse
import copy
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

INT_MAX = 2**63 - 1
ABSURD = [-1, 2**31 + 7, 2**62, INT_MAX, -(2**63), 1.8446744073709552e19, 0.5]
ABSURD_EPS = [-1.0, 0.0, 2.0, 1e300, -1e-30]
BOOLEAN_KEYS = {"lowercase", "sinusoidalPositions"}
HEADER_FIELDS = [("version", 8, 4), ("header size", 12, 4), ("manifest length", 16, 8), ("manifest CRC", 24, 4),
                 ("reserved", 28, 4), ("data offset", 32, 8), ("file size", 40, 8)]
PROBE_TEXT = "정말 재미있는 영화였다"


def crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC_TABLE = crc32c_table()


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


class Pack:
    """A .kbt taken apart; `build` puts it back with correct CRCs (and optional header overrides)."""

    def __init__(self, raw):
        manifest_length = struct.unpack_from("<Q", raw, 16)[0]
        data_offset = struct.unpack_from("<Q", raw, 32)[0]
        self.manifest = json.loads(raw[64:64 + manifest_length])
        self.data = raw[data_offset:]
        self.header = raw[:64]

    def build(self, manifest=None, header=()):
        body = json.dumps(manifest if manifest is not None else self.manifest, sort_keys=True,
                          ensure_ascii=False, separators=(",", ":")).encode()
        data_offset = (64 + len(body) + 63) // 64 * 64
        head = bytearray(b"KOBERTPK" + struct.pack("<IIQII QQ", 1, 64, len(body), crc32c(body), 0,
                                                  data_offset, data_offset + len(self.data)))
        for offset, width, value in header:
            head[offset:offset + width] = (value % (1 << (8 * width))).to_bytes(width, "little")
        head += struct.pack("<I", crc32c(bytes(head[:48]))) + bytes(12)
        return bytes(head) + body + bytes(data_offset - 64 - len(body)) + self.data

    def stored_header(self, offset, width):
        return int.from_bytes(self.header[offset:offset + width], "little")


def numeric_paths(value, path):
    if isinstance(value, dict):
        for key in sorted(value):
            if key not in BOOLEAN_KEYS:
                yield from numeric_paths(value[key], path + [key])
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from numeric_paths(item, path + [i])
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield path


def set_path(manifest, path, value):
    edited = copy.deepcopy(manifest)
    target = edited
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return edited


def variants(pack, quick):
    """(label, bytes) for every case."""
    for name, offset, width in HEADER_FIELDS:
        stored = pack.stored_header(offset, width)
        values = [0, 1, 2**31, 2**32 - 1] if width == 4 else [0, 1, 64, 2**31, 2**62, INT_MAX, 2**63, 2**64 - 1,
                                                             stored + 1, stored - 1]
        for value in values:
            if value != stored:
                yield f"header {name} = {value}", pack.build(header=[(offset, width, value)])

    m = pack.manifest
    tensors = m["tensors"]
    wanted = ["embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
              "transformer.layer.0.attention.q_lin.weight", "transformer.layer.0.sa_layer_norm.weight",
              "classifier.weight"]
    picked = [i for i, t in enumerate(tensors) if t["name"] in wanted]
    paths = list(numeric_paths(m["config"], ["config"])) + list(numeric_paths(m.get("tokenizer"), ["tokenizer"]))
    paths += [["formatVersion"]]
    for i in picked:
        paths += list(numeric_paths(tensors[i], ["tensors", i]))
    values = ABSURD[:4] if quick else ABSURD
    for path in paths:
        for value in (ABSURD_EPS if path[-1] == "layerNormEps" else values):
            yield f"manifest {path} = {value}", pack.build(set_path(m, path, value))

    # Issue 11's reported crashes, by name.
    linear = next(i for i, t in enumerate(tensors) if t["name"] == "transformer.layer.0.attention.q_lin.weight")
    stored = tensors[linear]["data"]["storedSize"]
    named = [(["tensors", linear, "data", "offset"], INT_MAX),
             (["tensors", linear, "data", "offset"], INT_MAX - stored + 1),
             (["tensors", linear, "shape"], [2**62, 2**62]),
             (["config", "numLayers"], -1), (["config", "numLayers"], 10**9), (["config", "numLayers"], 0),
             (["tensors", linear, "data", "rawSize"], 2**40), (["config", "layerNormEps"], -1e-5),
             (["labels"], [])]
    for path, value in named:
        yield f"named {path} = {value}", pack.build(set_path(m, path, value))
    dup = copy.deepcopy(m)
    dup["tensors"].append(copy.deepcopy(dup["tensors"][0]))
    yield "named duplicated tensor name", pack.build(dup)


def outcome(returncode, stderr):
    """'crash', 'accepted', 'multi-line' or 'ok' for a tool run that must fail cleanly."""
    if returncode < 0 or returncode >= 128:
        return "crash"
    if returncode == 0:
        return "accepted"
    lines = [line for line in stderr.decode(errors="replace").splitlines() if line.strip()]
    return "ok" if len(lines) == 1 else "multi-line"


def run_tool(args, stdin=b""):
    try:
        done = subprocess.run(args, input=stdin, capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        return "timeout", b""
    return outcome(done.returncode, done.stderr), done.stderr


class Daemon:
    def __init__(self, kobertd, model, workdir):
        self.socket = os.path.join(workdir, "live.sock")
        self.log_path = os.path.join(workdir, "live.log")
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen([kobertd, "--model", f"nsmc={model}", "--socket", self.socket,
                                         "--threads", "1", "--log-level", "info"],
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while not os.path.exists(self.socket):
            if self.process.poll() is not None or time.time() > deadline:
                raise SystemExit("the live kobertd did not start: " + open(self.log_path, errors="replace").read())
            time.sleep(0.05)

    def call(self, method, params=None):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(30)
            s.connect(self.socket)
            body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or {}}).encode()
            s.sendall(struct.pack(">I", len(body)) + body)
            head = b""
            while len(head) < 4:
                chunk = s.recv(4 - len(head))
                if not chunk:
                    raise ConnectionError("closed")
                head += chunk
            (length,) = struct.unpack(">I", head)
            data = b""
            while len(data) < length:
                chunk = s.recv(length - len(data))
                if not chunk:
                    raise ConnectionError("closed")
                data += chunk
            return json.loads(data)

    def reload_lines(self):
        text = open(self.log_path, errors="replace").read()
        return text.count("reload failed") + text.count("reloaded")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        self.log.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="models/nsmc.kbt")
    parser.add_argument("--bin", default=".build/release")
    parser.add_argument("--quick", action="store_true", help="4 values a manifest field instead of 7")
    parser.add_argument("--limit", type=int, default=0, help="run only the first N variants (0: all)")
    options = parser.parse_args()
    kobert, quantize, kobertd = (os.path.join(options.bin, n) for n in ("kobert", "kobert-quantize", "kobertd"))
    pack = Pack(open(options.model, "rb").read())

    tally = {}
    failures = []
    with tempfile.TemporaryDirectory(prefix="kobert-hostile-") as workdir:
        case_path = os.path.join(workdir, "case.kbt")
        live_path = os.path.join(workdir, "live.kbt")
        with open(live_path, "wb") as f:
            f.write(pack.build())   # the good model, reassembled: proves the rebuild itself is valid
        daemon = Daemon(kobertd, live_path, workdir)
        baseline = daemon.call("nsmc", {"texts": [PROBE_TEXT]})
        if "result" not in baseline:
            raise SystemExit(f"the live kobertd does not answer: {baseline}")

        count = 0
        started = time.time()
        for label, data in variants(pack, options.quick):
            if options.limit and count >= options.limit:
                break
            count += 1
            with open(case_path, "wb") as f:
                f.write(data)
            results = {}
            results["predict"], _ = run_tool([kobert, "predict", "--model", case_path, "--threads", "1"],
                                             stdin=(PROBE_TEXT + "\n").encode())
            results["inspect --verify"], _ = run_tool([quantize, "inspect", case_path, "--verify", "--summary"])

            startup_socket = os.path.join(workdir, "startup.sock")
            state, _ = run_tool([kobertd, "--model", f"nsmc={case_path}", "--socket", startup_socket,
                                 "--threads", "1", "--log-level", "error"])
            if os.path.exists(startup_socket):
                state = "socket left behind" if state == "ok" else state
                os.unlink(startup_socket)
            results["kobertd start-up"] = state

            before = daemon.reload_lines()
            tmp = live_path + ".new"
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, live_path)
            daemon.process.send_signal(signal.SIGHUP)
            deadline = time.time() + 60
            while daemon.reload_lines() == before and daemon.process.poll() is None and time.time() < deadline:
                time.sleep(0.02)
            if daemon.process.poll() is not None:
                code = daemon.process.returncode
                results["SIGHUP"] = "crash" if code < 0 or code >= 128 else f"exited {code}"
                failures.append((label, results))
                print(f"{label}: the live kobertd died ({code}); restarting it", file=sys.stderr)
                with open(live_path, "wb") as f:
                    f.write(pack.build())
                daemon = Daemon(kobertd, live_path, workdir)
            else:
                try:
                    answer = daemon.call("nsmc", {"texts": [PROBE_TEXT]})
                    info = daemon.call("info")
                    generation = info["result"]["models"]["nsmc"]["generation"]
                    results["SIGHUP"] = ("ok" if answer.get("result") == baseline["result"] and generation == 1
                                         else f"answer changed (generation {generation})")
                except (OSError, ConnectionError, KeyError, ValueError) as error:
                    results["SIGHUP"] = f"no answer ({error})"
            for tool, state in results.items():
                tally.setdefault(tool, {}).setdefault(state, 0)
                tally[tool][state] += 1
            if any(state != "ok" for state in results.values()) and (label, results) not in failures:
                failures.append((label, results))
        daemon.stop()

    print(f"{count} crafted checksum-valid files in {time.time() - started:.0f} s")
    crashes = 0
    for tool, states in tally.items():
        crashes += states.get("crash", 0)
        print(f"  {tool:18} " + ", ".join(f"{state}: {n}" for state, n in sorted(states.items())))
    print(f"crashes (signal deaths or exit status >= 128): {crashes}")
    for label, results in failures[:40]:
        print("  FAILED " + label + ": " + ", ".join(f"{t} {s}" for t, s in results.items() if s != "ok"))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
