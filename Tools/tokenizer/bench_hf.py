# One-thread encode speed: the Swift tokenizer (kobert-tokenizer-tool encode DIR, whole process: read,
# encode, write ids) against HF `tokenizers` (Tokenizer.encode_batch on the list already in memory,
# RAYON_NUM_THREADS=1), on the same lines, CPU seconds, alternating runs; ids compared once.
#   .venv/bin/python Tools/tokenizer/bench_hf.py --lines FILE --pair SWIFT_DIR:TOKENIZER_JSON [--pair …] [--runs 3]
import argparse, os, resource, subprocess, sys, time

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
    out = subprocess.run([args.tool, "encode", directory], input=text.encode(), capture_output=True, check=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), out

def hf_run(tok):
    start = time.process_time()
    encodings = tok.encode_batch(lines)
    return time.process_time() - start, encodings

for pair in args.pair:
    directory, json_path = pair.split(":")
    tok = Tokenizer.from_file(json_path)
    tok.no_truncation(); tok.no_padding()
    ours, theirs = [], []
    for run in range(args.runs):
        t, out = swift_run(directory); ours.append(t)
        t, encodings = hf_run(tok); theirs.append(t)
        if run == 0:
            got = out.decode().split("\n")[:len(lines)]
            bad = sum(1 for g, e in zip(got, encodings) if g != " ".join(map(str, e.ids)))
            print(f"{directory}: ids differ on {bad} of {len(lines)} lines")
    print(f"{directory}: ours {min(ours):.2f} s CPU (runs {', '.join(f'{x:.2f}' for x in ours)}), tokenizers {min(theirs):.2f} s "
          f"(runs {', '.join(f'{x:.2f}' for x in theirs)}); ours/theirs speed {min(theirs) / min(ours):.2f}×")
