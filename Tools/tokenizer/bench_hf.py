# One-thread speed: the Swift tokenizer (kobert-tokenizer-tool encode DIR) against HF `tokenizers`
# (RAYON_NUM_THREADS=1), on the same lines, CPU seconds, alternating runs; ids compared once.
#   .venv/bin/python Tools/tokenizer/bench_hf.py --lines FILE --pair SWIFT_DIR:TOKENIZER_JSON [--pair …] [--runs 3]
# Each side is timed in two parts, then whole:
#   ours:   load and encode as the tool prints them to stderr ("load 0.310 s, encode 2.400 s (CPU)"; encode
#           includes reading stdin and writing the ids); whole = the child process's CPU time (start-up included)
#   theirs: Tokenizer.from_file, then encode_batch on the list already in memory; whole = the two together
# Reported: the fastest run of each part (and every run), the ratio of encode rates (theirs / ours
# encode seconds) and of whole runs; above 1 means ours is faster.
import argparse, os, re, resource, subprocess, time

os.environ["RAYON_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
from tokenizers import Tokenizer

ap = argparse.ArgumentParser()
ap.add_argument("--lines", required=True)
ap.add_argument("--pair", action="append", required=True, help="SWIFT_DIR:TOKENIZER_JSON (the same tokenizer both sides)")
ap.add_argument("--tool", default=".build-tokenizer/kobert-tokenizer-tool")
ap.add_argument("--runs", type=int, default=3)
args = ap.parse_args()
text = open(args.lines, encoding="utf-8").read()
lines = text.split("\n")
if lines and lines[-1] == "": lines.pop()
print(f"{len(lines)} lines, {len(text.encode())} bytes")

def swift_run(directory):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = subprocess.run([args.tool, "encode", directory], input=text.encode(), capture_output=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    whole = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    parts = re.search(r"load ([0-9.]+) s, encode ([0-9.]+) s", run.stderr.decode())
    if not parts: raise SystemExit(f"{args.tool} printed no load/encode line: {run.stderr.decode()[:300]}")
    return {"load": float(parts[1]), "encode": float(parts[2]), "whole": whole}, run.stdout

def hf_run(json_path):
    start = time.process_time()
    tok = Tokenizer.from_file(json_path)
    tok.no_truncation(); tok.no_padding()
    loaded = time.process_time()
    encodings = tok.encode_batch(lines)
    done = time.process_time()
    return {"load": loaded - start, "encode": done - loaded, "whole": done - start}, encodings

def summary(name, runs):
    best = {part: min(r[part] for r in runs) for part in ("load", "encode", "whole")}
    listed = "; ".join(f"{part} " + ", ".join(f"{r[part]:.3f}" for r in runs) for part in ("load", "encode", "whole"))
    print(f"  {name}: load {best['load']:.3f} s, encode {best['encode']:.3f} s, whole {best['whole']:.3f} s CPU (runs: {listed})")
    return best

for pair in args.pair:
    directory, json_path = pair.split(":")
    ours, theirs = [], []
    for run in range(args.runs):
        times, out = swift_run(directory); ours.append(times)
        times, encodings = hf_run(json_path); theirs.append(times)
        if run == 0:
            got = out.decode().split("\n")[:len(lines)]
            bad = sum(1 for g, e in zip(got, encodings) if g != " ".join(map(str, e.ids)))
            print(f"{directory}: ids differ on {bad} of {len(lines)} lines")
    a = summary("ours      ", ours)
    b = summary("tokenizers", theirs)
    print(f"  ours/theirs: encode rate {b['encode'] / a['encode']:.2f}×, whole run {b['whole'] / a['whole']:.2f}×, "
          f"load {b['load'] / a['load']:.2f}×; encode {len(lines) / a['encode']:,.0f} vs {len(lines) / b['encode']:,.0f} lines/s")
