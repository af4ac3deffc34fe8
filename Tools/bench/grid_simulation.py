#!/usr/bin/env python3
"""What wider weight / activation grids would keep, simulated in PyTorch before any kernel is written.

    .venv/bin/python Tools/bench/grid_simulation.py --model /tmp/full/distilkobert-seqcls-legacy \\
        --lines SPLIT.txt [--kobert-tokenizer models/tokenizer] [--grid 8,8 --grid 10,12 …]
    … --lines CHOOSE.txt --held-out MEASURE.txt --greedy 10,11 [--base 8,8] [--target 0.999]

Every nn.Linear gets symmetric per-output-channel weights on a W-bit grid and per-token activations on an A-bit
grid (A = 0: fp32 activations), as the runtime quantizes them (no smoothing, embeddings left fp32); logits cosine
to the untouched fp32 model, mean and worst over the lines. Ids from `kobert tokenize` ([CLS] … [SEP], ≤ 128).

--greedy W,A asks how many Linears a wide route would have to carry: every Linear starts on --base; each is
widened alone to W,A and ranked by the worst cosine it then gives on --lines; Linears are widened in that order
until the worst cosine on --lines reaches --target. Each step is also measured on --held-out lines, which did
not take part in the choice.
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
ap.add_argument("--greedy", help="W,A: widen Linears one at a time to this grid (see above)")
ap.add_argument("--base", default="8,8", help="--greedy: the grid every Linear starts on (default 8,8)")
ap.add_argument("--target", type=float, default=0.999, help="--greedy: worst cosine on --lines to stop at")
ap.add_argument("--held-out", help="--greedy: lines that measure each step without choosing it")
args = ap.parse_args()
if args.greedy and not args.held_out:
    sys.exit("grid_simulation.py: --greedy needs --held-out lines to measure on")
torch.set_num_threads(2)
model, _ = load_model(args.model)

def token_ids(path):
    lines = [l.strip() for l in open(path, encoding="utf-8") if l.strip()][:args.count]
    out = subprocess.run([args.kobert, "tokenize", "--tokenizer", args.kobert_tokenizer, "--ids-only", "--with-special"],
                         input="\n".join(lines) + "\n", capture_output=True, text=True, check=True).stdout.splitlines()
    return [list(map(int, l.split()))[:128] for l in out]

def logits(ids):
    with torch.inference_mode():
        return [model(input_ids=torch.tensor([s])).logits[0].double().numpy() for s in ids]

def grid(x, bits, dim):
    q = 2 ** (bits - 1) - 1
    scale = x.abs().amax(dim, keepdim=True).clamp_min(1e-12) / q
    return torch.round(x / scale).clamp(-q, q) * scale

def bits(spec):
    w, a = map(int, spec.split(","))
    return w, a

ids = token_ids(args.lines)
reference = logits(ids)
linears = [(name, m) for name, m in model.named_modules() if isinstance(m, torch.nn.Linear)]
originals = {m: m.weight.data.clone() for _, m in linears}
hooks = []

def assign(grids):
    """grids: every Linear's name → its (W, A) bits."""
    for h in hooks: h.remove()
    hooks.clear()
    for name, m in linears:
        w_bits, a_bits = grids[name]
        m.weight.data = grid(originals[m], w_bits, 1)
        if a_bits:
            hooks.append(m.register_forward_pre_hook(lambda mod, a, b=a_bits: (grid(a[0], b, -1),)))

def score(ids, reference):
    cos = [a @ b / np.linalg.norm(a) / np.linalg.norm(b) for a, b in zip(reference, logits(ids))]
    return np.mean(cos), min(cos)

if args.greedy:
    wide, base = bits(args.greedy), bits(args.base)
    held_ids = token_ids(args.held_out)
    held_reference = logits(held_ids)
    start = {name: base for name, _ in linears}
    assign(start)
    print(f"all W{base[0]}A{base[1]}: choose {score(ids, reference)[1]:.5f} worst, held-out {score(held_ids, held_reference)[1]:.5f} worst")
    ranked = []
    for name, _ in linears:
        assign({**start, name: wide})
        ranked.append((score(ids, reference)[1], name))
    ranked.sort(reverse=True)
    chosen = dict(start)
    for step, (_, name) in enumerate(ranked, 1):
        chosen[name] = wide
        assign(chosen)
        mean, worst = score(ids, reference)
        held_mean, held_worst = score(held_ids, held_reference)
        print(f"{step:2d} of {len(linears)} wide (+{name}): choose mean {mean:.5f} worst {worst:.5f}; "
              f"held-out mean {held_mean:.5f} worst {held_worst:.5f}", flush=True)
        if worst >= args.target:
            break
    sys.exit(0)

for spec in args.grid or ["8,8", "8,12", "9,8", "10,0", "10,12"]:
    w_bits, a_bits = bits(spec)
    assign({name: (w_bits, a_bits) for name, _ in linears})
    mean, worst = score(ids, reference)
    print(f"W{w_bits}A{a_bits or 'fp32'}: {len(ids)} lines, logits cosine mean {mean:.5f} worst {worst:.5f}")
