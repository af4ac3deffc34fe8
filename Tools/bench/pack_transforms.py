#!/usr/bin/env python3
"""Does any transform before zstd make a packed model smaller at no fidelity cost? (issue 14, item 2)

    .venv/bin/python Tools/bench/pack_transforms.py FOLDER [FOLDER …]

Each 2-D weight of a Hugging Face folder (safetensors or torch .bin) is put on the quantizer's 8-bit grid
(per output row: scale = max|w| / 127, round half to even), then the bytes zstd would see are measured five ways:
the values as stored (zstd 12, the default, and 19), row-wise deltas of the values, the values' bit planes, and
the fp32 scales as stored against split into four byte planes. The order-0 entropy of each tensor's values is
what a static per-tensor entropy coder would reach (zstd's per-block tables can land a little below it on
per-row-scaled values). Lossless transforms only: the model's outputs cannot change.
"""
import sys
from pathlib import Path

import numpy as np
import torch
import zstandard

def tensors(folder):
    folder = Path(folder)
    if (folder / "model.safetensors").exists():
        from safetensors.torch import load_file
        state = load_file(str(folder / "model.safetensors"))
    else:
        state = torch.load(folder / "pytorch_model.bin", map_location="cpu", weights_only=True)
    return {k: v.float().numpy() for k, v in state.items() if v.ndim == 2 and v.shape[0] > 2 and v.is_floating_point()}

def z(data, level=12):
    return len(zstandard.ZstdCompressor(level=level).compress(bytes(data)))

for folder in sys.argv[1:]:
    totals = dict(raw=0, z12=0, z19=0, delta=0, planes=0, entropy=0.0, scales=0, scale_planes=0)
    for name, w in tensors(folder).items():
        scale = np.abs(w).max(1, keepdims=True) / 127
        q = np.clip(np.rint(w / np.where(scale == 0, 1, scale)), -127, 127).astype(np.int8)
        flat = q.tobytes()
        totals["raw"] += len(flat); totals["z12"] += z(flat); totals["z19"] += z(flat, 19)
        totals["delta"] += z((np.diff(q.astype(np.int16), axis=1, prepend=0).astype(np.int8)).tobytes())
        bits = np.unpackbits(q.view(np.uint8).reshape(-1, 1), axis=1)           # [values, 8]
        totals["planes"] += z(np.packbits(bits.T.reshape(-1)).tobytes())
        counts = np.bincount(q.view(np.uint8).reshape(-1), minlength=256); p = counts[counts > 0] / q.size
        totals["entropy"] += float(-(p * np.log2(p)).sum()) * q.size / 8
        s = scale.astype(np.float32).reshape(-1)
        totals["scales"] += z(s.tobytes()); totals["scale_planes"] += z(s.view(np.uint8).reshape(-1, 4).T.tobytes())
    mb = lambda b: f"{b / 1e6:.2f} MB"
    print(f"{folder}: 8-bit values {mb(totals['raw'])} raw; zstd 12 {mb(totals['z12'])}, zstd 19 {mb(totals['z19'])}, "
          f"row deltas {mb(totals['delta'])}, bit planes {mb(totals['planes'])}, order-0 entropy {mb(totals['entropy'])}; "
          f"scales zstd {mb(totals['scales'])}, as byte planes {mb(totals['scale_planes'])}")
