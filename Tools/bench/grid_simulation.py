#!/usr/bin/env python3
"""What wider weight / activation grids would keep, simulated in PyTorch before any kernel is written.

    .venv/bin/python Tools/bench/grid_simulation.py --model /tmp/full/distilkobert-seqcls-legacy \\
        --lines SPLIT.txt [--kobert-tokenizer models/tokenizer] [--grid 8,8 --grid 10,12 …]

Every nn.Linear gets symmetric per-output-channel weights on a W-bit grid and per-token activations on an A-bit
grid (A = 0: fp32 activations), as the runtime quantizes them (no smoothing, embeddings left fp32); logits cosine
to the untouched fp32 model, mean and worst over the lines. Ids from `kobert tokenize` ([CLS] … [SEP], ≤ 128).
"""
import argparse, subprocess, sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers.common import load_model  # noqa: E402

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--model", required=True); ap.add_argument("--lines", required=True)
ap.add_argument("--count", type=int, default=300)
ap.add_argument("--kobert-tokenizer", default="models/tokenizer"); ap.add_argument("--kobert", default=".build/release/kobert")
ap.add_argument("--grid", action="append", help="W,A bits (A = 0: fp32 activations); default 8,8 8,12 9,8 10,0 10,12")
args = ap.parse_args()
torch.set_num_threads(2)
model, _ = load_model(args.model)
lines = [l.strip() for l in open(args.lines, encoding="utf-8") if l.strip()][:args.count]
out = subprocess.run([args.kobert, "tokenize", "--tokenizer", args.kobert_tokenizer, "--ids-only", "--with-special"],
                     input="\n".join(lines) + "\n", capture_output=True, text=True, check=True).stdout.splitlines()
ids = [list(map(int, l.split()))[:128] for l in out]

def logits():
    with torch.inference_mode():
        return [model(input_ids=torch.tensor([s])).logits[0].double().numpy() for s in ids]

reference = logits()
linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
originals = {m: m.weight.data.clone() for m in linears}
hooks = []

def grid(x, bits, dim):
    q = 2 ** (bits - 1) - 1
    scale = x.abs().amax(dim, keepdim=True).clamp_min(1e-12) / q
    return torch.round(x / scale).clamp(-q, q) * scale

for spec in args.grid or ["8,8", "8,12", "9,8", "10,0", "10,12"]:
    w_bits, a_bits = map(int, spec.split(","))
    for h in hooks: h.remove()
    hooks.clear()
    for m in linears:
        m.weight.data = grid(originals[m], w_bits, 1)
        if a_bits:
            hooks.append(m.register_forward_pre_hook(lambda mod, a, b=a_bits: (grid(a[0], b, -1),)))
    got = logits()
    cos = [a @ b / np.linalg.norm(a) / np.linalg.norm(b) for a, b in zip(reference, got)]
    print(f"W{w_bits}A{a_bits or 'fp32'}: {len(ids)} lines, logits cosine mean {np.mean(cos):.5f} worst {min(cos):.5f}")
