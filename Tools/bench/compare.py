#!/usr/bin/env python3
"""Side-by-side latency of one checkpoint in five runtimes, batch 1, same thread count.

    python Tools/bench/compare.py --checkpoint /tmp/full/distilkobert-seqcls-legacy

Exports the checkpoint to ONNX, applies onnxruntime's quantize_dynamic(weight_type=QInt8),
packs it with kobert-quantize, then times at each sequence length:
ONNX Runtime int8 and fp32, PyTorch fp32, ours fp32 (the folder) and ours int8 (the .kbt,
through `kobert bench --json`). Prints milliseconds, each runtime's speed relative to
ONNX Runtime int8 (>1 = faster), and the file sizes.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[2]


def load_model(checkpoint):
    """The model class named in config.json, weights loaded by hand: older checkpoints name
    LayerNorm parameters gamma / beta, which current transformers no longer renames."""
    import transformers
    checkpoint = Path(checkpoint)
    config = transformers.AutoConfig.from_pretrained(checkpoint)
    architecture = (config.architectures or ["AutoModel"])[0]
    cls = getattr(transformers, architecture, transformers.AutoModel)
    model = cls(config) if cls is not transformers.AutoModel else transformers.AutoModel.from_config(config)
    if (checkpoint / "model.safetensors").exists():
        from safetensors.torch import load_file
        state = load_file(str(checkpoint / "model.safetensors"))
    else:
        state = torch.load(checkpoint / "pytorch_model.bin", map_location="cpu", weights_only=True)
    renamed = {k.replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias")
               .replace("layer_norm.gamma", "layer_norm.weight").replace("layer_norm.beta", "layer_norm.bias"): v
               for k, v in state.items()}
    prefix = model.base_model_prefix + "."
    if not any(k.startswith(prefix) for k in model.state_dict()) and any(k.startswith(prefix) for k in renamed):
        renamed = {k[len(prefix):] if k.startswith(prefix) else k: v for k, v in renamed.items()}
    missing, _ = model.load_state_dict(renamed, strict=False)
    missing = [k for k in missing if "position_ids" not in k]
    if missing:
        raise SystemExit(f"{checkpoint}: weights missing for {missing[:5]}")
    model.eval()
    return model, config


def random_ids(vocab, length, seed=7):
    rng = np.random.default_rng(seed)
    body = rng.integers(5, vocab, size=length - 2)
    return np.concatenate([[2], body, [3]]).astype(np.int64)[None, :]


def export_onnx(model, config, path):
    ids = torch.tensor(random_ids(config.vocab_size, 16))
    mask = torch.ones_like(ids)
    with torch.no_grad():
        torch.onnx.export(model, (ids, mask), str(path), input_names=["input_ids", "attention_mask"],
                          output_names=["output"], opset_version=17, dynamo=False,
                          dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}})


def time_calls(call, iterations, warmup):
    for _ in range(warmup):
        call()
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def ort_session(path, threads):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def ours(kobert, model, length, threads, iterations):
    out = subprocess.run([str(kobert), "bench", "--model", str(model), "--seq-len", str(length),
                          "--threads", str(threads), "--iterations", str(iterations), "--json"],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["median_ms"]


def size_mb(path):
    path = Path(path)
    if path.is_dir():
        return sum(f.stat().st_size for f in path.iterdir() if f.suffix in (".bin", ".safetensors")) / 1e6
    return path.stat().st_size / 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, default=Path("/tmp/full/distilkobert-seqcls-legacy"))
    parser.add_argument("--kbt", type=Path, help="packed file (default: made with kobert-quantize in the work folder)")
    parser.add_argument("--bin", type=Path, default=REPO / ".build/release", help="folder with release kobert + kobert-quantize")
    parser.add_argument("--seq-lens", type=int, nargs="+", default=[16, 64, 128])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3, help="repeat the whole table; report each cell's median")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "kobert-compare")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    args.work.mkdir(parents=True, exist_ok=True)
    model, config = load_model(args.checkpoint)
    fp32_onnx, int8_onnx = args.work / "model.onnx", args.work / "model.int8.onnx"
    print("exporting ONNX", file=sys.stderr)
    export_onnx(model, config, fp32_onnx)
    from onnxruntime.quantization import QuantType, quantize_dynamic
    quantize_dynamic(str(fp32_onnx), str(int8_onnx), weight_type=QuantType.QInt8)
    kbt = args.kbt or args.work / "model.kbt"
    if not args.kbt:
        print("packing with kobert-quantize", file=sys.stderr)
        subprocess.run([str(args.bin / "kobert-quantize"), str(args.checkpoint), "-o", str(kbt)],
                       check=True, stdout=subprocess.DEVNULL)

    sessions = {"ORT int8": ort_session(int8_onnx, args.threads), "ORT fp32": ort_session(fp32_onnx, args.threads)}
    names = ["ORT int8", "ORT fp32", "PyTorch fp32", "ours fp32", "ours int8"]
    # Every round times every runtime at every length; the table takes each cell's median over
    # rounds, so a burst of load from other processes moves one round, not one runtime.
    rounds = []
    for round_index in range(args.rounds):
        rows = []
        for length in args.seq_lens:
            ids = random_ids(config.vocab_size, length)
            feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
            result = {"seq_len": length}
            for name, session in sessions.items():
                result[name] = time_calls(lambda: session.run(None, feed), args.iterations, args.warmup)
            torch_ids, torch_mask = torch.tensor(ids), torch.ones(ids.shape, dtype=torch.int64)
            with torch.inference_mode():
                result["PyTorch fp32"] = time_calls(lambda: model(input_ids=torch_ids, attention_mask=torch_mask),
                                                    args.iterations, args.warmup)
            result["ours fp32"] = ours(args.bin / "kobert", args.checkpoint, length, args.threads, args.iterations)
            result["ours int8"] = ours(args.bin / "kobert", kbt, length, args.threads, args.iterations)
            rows.append(result)
            print(f"round {round_index + 1}, L={length}: " + ", ".join(f"{n} {result[n]:.2f}" for n in names),
                  file=sys.stderr)
        rounds.append(rows)
    rows = [{"seq_len": length, **{n: statistics.median(r[i][n] for r in rounds) for n in names}}
            for i, length in enumerate(args.seq_lens)]

    print(f"batch 1, {args.threads} threads, median of {args.iterations} passes (median over {args.rounds} rounds), "
          f"ms (speed vs ORT int8: >1 is faster)")
    print("| runtime | " + " | ".join(f"L={r['seq_len']}" for r in rows) + " |")
    print("| --- |" + " --- |" * len(rows))
    for name in names:
        cells = [f"{r[name]:.2f} ({r['ORT int8'] / r[name]:.2f}×)" for r in rows]
        print(f"| {name} | " + " | ".join(cells) + " |")
    sizes = {"checkpoint fp32": size_mb(args.checkpoint), "ONNX fp32": size_mb(fp32_onnx),
             "ONNX int8 (quantize_dynamic)": size_mb(int8_onnx), "ours .kbt": size_mb(kbt)}
    print("\n| file | MB |\n| --- | --- |")
    for name, mb in sizes.items():
        print(f"| {name} | {mb:.1f} |")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "rounds": rounds, "sizes_mb": sizes}, indent=2) + "\n")


if __name__ == "__main__":
    main()
