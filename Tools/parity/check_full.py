#!/usr/bin/env python3
"""Full-size check of the Swift fp32 encoder: logits parity and speed against PyTorch.

    python Tools/fixtures/make_fixtures.py --full /tmp/full      # random full-size checkpoints
    swift build -c release --product kobert
    python Tools/parity/check_full.py --full /tmp/full --kobert .build/release/kobert

Parity: every row of inputs.json goes through `kobert predict --ids` (fp32, the folder as
written) and its logits are compared with expected.json (transformers); max |Δ| must be ≤ 1e-3.
Speed: the full-size DistilKoBERT forward (sequence length 128, batch 1, --threads 2) timed by
`kobert bench` and by PyTorch fp32 in the same run; medians of --iterations passes. The CPU
may be shared, so the two are interleaved in rounds and the medians taken over all rounds.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch
from transformers import AutoConfig, AutoModelForSequenceClassification

CHECKPOINTS = ("distilkobert-seqcls-legacy", "kobert-seqcls-zip")
TOLERANCE = 1e-3


def predict_lines(folder, arch):
    inputs = json.loads((folder / "inputs.json").read_text())
    lines = []
    for row, length in enumerate(inputs["lengths"]):
        ids = inputs["input_ids"][row][:length]
        if arch == "bert":
            types = inputs["token_type_ids"][row][:length]
            lines.append(json.dumps({"input_ids": ids, "token_type_ids": types}))
        else:
            lines.append(json.dumps(ids))
    return "\n".join(lines) + "\n"


def check_parity(kobert, folder):
    expected = json.loads((folder / "expected.json").read_text())
    arch = expected["meta"]["architecture"]
    run = subprocess.run([kobert, "predict", "--model", str(folder), "--task", "nsmc", "--ids", "--threads", "2"],
                         input=predict_lines(folder, arch), capture_output=True, text=True, check=True)
    answers = [json.loads(line) for line in run.stdout.splitlines()]
    worst = 0.0
    for row, answer in enumerate(answers):
        if "error" in answer:
            sys.exit(f"{folder.name} row {row}: {answer['error']}")
        worst = max(worst, max(abs(a - b) for a, b in zip(answer["logits"], expected["logits"][row])))
    return worst


def swift_median_ms(kobert, folder, iterations, threads):
    run = subprocess.run([kobert, "bench", "--model", str(folder), "--seq-len", "128", "--batch", "1",
                          "--threads", str(threads), "--iterations", str(iterations), "--warmup", "3", "--json"],
                         capture_output=True, text=True, check=True)
    return json.loads(run.stdout.strip().splitlines()[-1])["median_ms"]


def torch_times_ms(model, iterations):
    ids = torch.randint(5, model.config.vocab_size, (1, 128))
    ids[0, 0], ids[0, -1] = 2, 3
    mask = torch.ones_like(ids)
    times = []
    with torch.inference_mode():
        for _ in range(3):
            model(input_ids=ids, attention_mask=mask)
        for _ in range(iterations):
            start = time.perf_counter()
            model(input_ids=ids, attention_mask=mask)
            times.append((time.perf_counter() - start) * 1000)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", type=Path, required=True, help="folder written by make_fixtures.py --full")
    parser.add_argument("--kobert", default=".build/release/kobert", help="the release kobert binary")
    parser.add_argument("--iterations", type=int, default=20, help="timed passes per round")
    parser.add_argument("--rounds", type=int, default=3, help="Swift / PyTorch rounds, interleaved")
    parser.add_argument("--threads", type=int, default=2, help="threads for both runtimes in the timing")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    failed = False
    for name in CHECKPOINTS:
        delta = check_parity(args.kobert, args.full / name)
        print(f"{name}: max |Δ logits| = {delta:.3g} (limit {TOLERANCE})")
        failed |= delta > TOLERANCE

    folder = args.full / CHECKPOINTS[0]
    # Timing does not depend on the weights: build the same architecture from config.json.
    model = AutoModelForSequenceClassification.from_config(AutoConfig.from_pretrained(str(folder))).eval()
    swift, pytorch = [], []
    for _ in range(args.rounds):
        swift.append(swift_median_ms(args.kobert, folder, args.iterations, args.threads))
        pytorch.extend(torch_times_ms(model, args.iterations))
    swift_ms, torch_ms = statistics.median(swift), statistics.median(pytorch)
    print(f"{folder.name} seq 128 batch 1 threads {args.threads}: Swift fp32 {swift_ms:.1f} ms, "
          f"PyTorch fp32 {torch_ms:.1f} ms, ratio {swift_ms / torch_ms:.2f} (limit 1.5); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
