#!/usr/bin/env python3
"""Side-by-side latency of one checkpoint in every peer runtime, each in its own process.

    python Tools/bench/compare.py --checkpoint /tmp/full/distilkobert-seqcls-legacy
    python Tools/bench/compare.py --curve --json /tmp/curve.json     # L 8…512 × batch 1/4/16 × threads 1/2

Peers (Tools/bench/peers/): ours int8 (.kbt) and fp32 (folder) through `kobert bench --json`; ONNX Runtime
dynamic int8, fused (transformers optimizer, then int8) and fp32; OpenVINO + NNCF post-training int8
calibrated on NSMC dev reviews; CTranslate2 int8 (classifier head in numpy, timed); PyTorch dynamic int8
and fp32. Set-up (export, quantization, calibration) runs once per peer in its own process, which also
checks the peer's logits against PyTorch fp32. Then each round times every (peer, cell) in its own worker
process, in an order shuffled per round (the seed is printed; --seed repeats it); each table cell is the
median over rounds of the workers' median milliseconds.

Ratios are "peer ms / ours int8 ms": above 1 means ours is faster. The floor is this CPU's exact-int8
multiply peak per core, measured by Tools/bench/kernels/avx2_peak.c (or vnni_peak.c with AVX-512 VNNI):
floor ms = Linear-layer MACs / (threads × GMAC/s per core); "ours × floor" is ours int8 ms / floor ms.
A peer whose packages are missing is reported "not installed", never dropped.
"""
import argparse
import importlib.util
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
from peers import PEERS  # noqa: E402
from peers.common import random_ids, read_context, reference_inputs, time_calls  # noqa: E402

CURVE_LENGTHS = [8, 16, 32, 64, 128, 256, 512]
CURVE_BATCHES = [1, 4, 16]
CURVE_THREADS = [1, 2]
CURVE_PEERS = ["ours-int8", "ort-int8", "ort-fused"]
# Loose on purpose: int8 peers differ from fp32 by their rounding; a wrong graph is off by far more.
TOLERANCE = {"fp32": (1e-3, 1e-3), "int8": (0.05, 0.25)}  # (absolute, relative to max |reference logit|)


def warn(message):
    print(f"compare.py: {message}", file=sys.stderr, flush=True)


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError("no JSON line in the output")


def one_line(text):
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    lines = [l.strip() for l in (text or "").strip().splitlines() if l.strip()]
    return lines[-1][:300] if lines else "no output"


# ---------------------------------------------------------------- CPU and floor

def cpu_summary():
    name, flags = "unknown CPU", set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and name == "unknown CPU":
                name = value.strip()
            elif key.strip() == "flags" and not flags:
                flags = set(value.split())
    except OSError:
        pass
    return {"model": name, "cpus": os.cpu_count(),
            "flags": {f: f in flags for f in ("avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8")}}


def measure_floor(cpu, work):
    """GMAC/s per core of the fastest exact int8 multiply route, from the project's own microbenchmark."""
    compiler = shutil.which("gcc") or shutil.which("cc")
    if not compiler:
        warn("no gcc: no floor (give --floor-gmacs N)")
        return None
    if cpu["flags"]["avx512_vnni"]:
        source, flags, route = HERE / "kernels/vnni_peak.c", ["-mavx512f", "-mavx512bw", "-mavx512vnni"], "vpdpbusd zmm"
    elif cpu["flags"]["avx2"]:
        source, flags, route = HERE / "kernels/avx2_peak.c", [], None
    else:
        warn("neither AVX2 nor AVX-512 VNNI: no floor microbenchmark for this CPU")
        return None
    binary = work / source.stem
    built = subprocess.run([compiler, "-O2", *flags, str(source), "-o", str(binary)], capture_output=True, text=True)
    if built.returncode != 0:
        warn(f"{source.name} did not compile: {one_line(built.stderr)}")
        return None
    out = subprocess.run([str(binary)], capture_output=True, text=True)
    if out.returncode != 0:
        warn(f"{source.name} failed: {one_line(out.stderr)}")
        return None
    if route:
        found = re.search(r"vpdpbusd zmm:\s*([\d.]+) GMAC/s", out.stdout)
        routes = {route: float(found.group(1))} if found else {}
    else:
        # madd (vpmaddwd) and maddubs (vpmaddubsw + vpmaddwd) are the exact routes; maddubs16 saturates.
        routes = {m.group(1): float(m.group(2)) for m in re.finditer(r"^(madd|maddubs)\s.*?([\d.]+) GMAC/s",
                                                                     out.stdout, re.M)}
    if not routes:
        warn(f"{source.name}: no GMAC/s line in its output")
        return None
    best = max(routes, key=routes.get)
    return {"gmacs_per_core": routes[best], "route": best, "source": source.name, "output": out.stdout.strip()}


def linear_macs(config, seq_len, batch):
    h, ffn = config["hidden"], config["ffn"]
    return config["layers"] * seq_len * batch * (4 * h * h + 2 * h * ffn)


# ---------------------------------------------------------------- prepare (own process: torch stays out of the parent)

def read_calibration(args, vocab):
    """Real token ids: NSMC dev reviews through `kobert tokenize`; random ids (with a warning) otherwise."""
    try:
        text = subprocess.run(["zstd", "-dc", str(args.calibration_data)], capture_output=True, check=True).stdout
        lines = [row.split("\t")[1] for row in text.decode("utf-8", "replace").splitlines()[1:]
                 if row.count("\t") >= 2 and row.split("\t")[1].strip()][:args.calibration_lines]
        if not lines:
            raise ValueError("no reviews in it")
        out = subprocess.run([str(args.bin / "kobert"), "tokenize", "--tokenizer", str(args.tokenizer),
                              "--with-special", "--max-length", "128", "--ids-only"],
                             input="\n".join(lines) + "\n", capture_output=True, text=True, check=True).stdout
        ids = [[int(t) for t in line.split()] for line in out.splitlines() if line.strip()]
        if len(ids) != len(lines) or any(not row or max(row) >= vocab for row in ids):
            raise ValueError(f"{len(ids)} tokenized lines for {len(lines)} reviews, or ids past the vocabulary")
        return {"source": f"{args.calibration_data.name} ({len(ids)} reviews, kobert tokenize)", "ids": ids}
    except (OSError, ValueError, subprocess.CalledProcessError) as error:
        detail = one_line(getattr(error, "stderr", None) or "") if isinstance(error, subprocess.CalledProcessError) else error
        warn(f"WARNING: no real calibration text ({args.calibration_data}: {detail}); "
             f"OpenVINO/NNCF calibrates on RANDOM ids instead")
        rng = np.random.default_rng(11)
        ids = [random_ids(vocab, 1, int(n), seed=int(rng.integers(1 << 30)))[0].tolist()
               for n in rng.integers(8, 128, size=args.calibration_lines)]
        return {"source": "random ids (no calibration text found)", "ids": ids}


def export_onnx(model, config, path):
    import warnings
    import torch
    warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer notices
    ids = torch.tensor(random_ids(config.vocab_size, 1, 16))
    with torch.no_grad():
        torch.onnx.export(model, (ids, torch.ones_like(ids)), str(path), input_names=["input_ids", "attention_mask"],
                          output_names=["output"], opset_version=17, dynamo=False,
                          dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}})


def prepare(args):
    import torch
    from peers.common import load_model
    torch.set_num_threads(max(args.threads))
    work = args.work
    model, config = load_model(args.checkpoint)
    hidden = getattr(config, "dim", None) or config.hidden_size
    summary = {"model_type": config.model_type, "vocab": config.vocab_size, "hidden": hidden,
               "heads": getattr(config, "n_heads", None) or config.num_attention_heads,
               "layers": getattr(config, "n_layers", None) or config.num_hidden_layers,
               "ffn": getattr(config, "hidden_dim", None) or config.intermediate_size,
               "positions": config.max_position_embeddings}

    # A clean copy (current parameter names) for converters that load with from_pretrained, with a
    # vocabulary of the model's size: CTranslate2's converter reads one from the folder.
    hf_dir = work / "hf"
    model.save_pretrained(hf_dir)
    special = ["[UNK]", "[PAD]", "[CLS]", "[SEP]", "[MASK]"]  # KoBERT's ids 0…4
    (hf_dir / "vocab.txt").write_text("\n".join(special + [f"tok{i}" for i in range(5, config.vocab_size)]) + "\n")

    if config.model_type == "distilbert" and hasattr(model, "pre_classifier"):
        np.savez(work / "head.npz", pre_w=model.pre_classifier.weight.detach().numpy(),
                 pre_b=model.pre_classifier.bias.detach().numpy(), cls_w=model.classifier.weight.detach().numpy(),
                 cls_b=model.classifier.bias.detach().numpy())

    onnx_fp32, onnx_eager = work / "model.onnx", work / "model.eager.onnx"
    print("exporting ONNX", file=sys.stderr, flush=True)
    export_onnx(model, config, onnx_fp32)
    # ORT's attention fusion matches the eager pattern (MatMul, Softmax, masking), not SDPA's export;
    # the fused peer gets this copy.
    model.set_attn_implementation("eager")
    export_onnx(model, config, onnx_eager)

    reference = random_ids(config.vocab_size, 2, 24, seed=5)
    mask = np.ones_like(reference)
    with torch.inference_mode():
        logits = model(input_ids=torch.from_numpy(reference), attention_mask=torch.from_numpy(mask)).logits.numpy()
    np.savez(work / "reference.npz", input_ids=reference, attention_mask=mask, logits=logits)
    (work / "calibration.json").write_text(json.dumps(read_calibration(args, config.vocab_size)))

    kbt = args.kbt or work / "model.kbt"
    if not args.kbt:
        print("packing with kobert-quantize", file=sys.stderr, flush=True)
        subprocess.run([str(args.bin / "kobert-quantize"), str(args.checkpoint), "-o", str(kbt)],
                       check=True, stdout=subprocess.DEVNULL)
    context = {"checkpoint": str(args.checkpoint), "kbt": str(kbt), "bin": str(args.bin), "work": str(work),
               "hf_dir": str(hf_dir), "onnx_fp32": str(onnx_fp32), "onnx_eager": str(onnx_eager),
               "calibration": str(work / "calibration.json"),
               "config": summary}
    (work / "context.json").write_text(json.dumps(context, indent=2) + "\n")


# ---------------------------------------------------------------- per-peer processes

def setup_peer(key, args):
    """Build the peer's files, then run it once on the reference input: prints {"info", "logits"}."""
    peer, context = PEERS[key], read_context(args.work)
    info = peer.setup(context)
    if hasattr(peer, "logits"):
        logits = peer.logits(context)
    else:
        ids, mask = reference_inputs(context)
        logits = np.asarray(peer.load(context, max(args.threads))(ids, mask))
    print(json.dumps({"info": info, "logits": logits.tolist()}))


def worker(key, args):
    """Times one peer at one cell; prints {"median_ms", "p90_ms", "load_ms"}."""
    peer, context = PEERS[key], read_context(args.work)
    threads = args.threads[0]
    start = time.perf_counter()
    run = peer.load(context, threads)
    load_ms = (time.perf_counter() - start) * 1000
    ids = random_ids(context["config"]["vocab"], args.batch, args.seq_len)
    mask = np.ones_like(ids)
    result = time_calls(lambda: run(ids, mask), args.iterations, args.warmup)
    print(json.dumps({**result, "load_ms": load_ms}))


def child_env(peer, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), **getattr(peer, "env", {}))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    return env


def common_flags(args):
    return ["--work", str(args.work), "--checkpoint", str(args.checkpoint), "--bin", str(args.bin)]


def run_cell(key, cell, args, context):
    peer = PEERS[key]
    seq_len, batch, threads = cell
    if hasattr(peer, "command"):
        argv = peer.command(context, seq_len, batch, threads, args.iterations, args.warmup)
    else:
        argv = [sys.executable, str(Path(__file__).resolve()), "--worker", key, *common_flags(args),
                "--seq-len", str(seq_len), "--batch", str(batch), "--threads", str(threads),
                "--iterations", str(args.iterations), "--warmup", str(args.warmup)]
    try:
        out = subprocess.run(argv, capture_output=True, text=True, env=child_env(peer, threads),
                             timeout=args.worker_timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {args.worker_timeout} s"}
    if out.returncode != 0:
        return {"error": f"exit {out.returncode}: {one_line(out.stderr or out.stdout)}"}
    try:
        return last_json(out.stdout)
    except ValueError as error:
        return {"error": str(error)}


# ---------------------------------------------------------------- report

def size_mb(path):
    if path is None:
        return None
    path = Path(path)
    if not path.exists():
        return None
    if path.is_dir():
        return sum(f.stat().st_size for f in path.iterdir() if f.suffix in (".bin", ".safetensors")) / 1e6
    if path.suffix == ".xml":
        return (path.stat().st_size + path.with_suffix(".bin").stat().st_size) / 1e6
    return path.stat().st_size / 1e6


def peer_cell(status, cell, key):
    if status[key]["state"] != "ok":
        return status[key]["state"]
    ms = cell["ms"].get(key)
    if ms is None:
        return "error (stderr, JSON)"
    ours = cell["ms"].get("ours-int8")
    return f"{ms:.2f} ({ms / ours:.2f}×)" if ours and key != "ours-int8" else f"{ms:.2f}"


def print_tables(cells, keys, status, floor):
    groups = {}
    for cell in cells:
        groups.setdefault((cell["threads"], cell["batch"]), []).append(cell)
    for (threads, batch), group in groups.items():
        print(f"\nbatch {batch}, {threads} thread{'s' if threads > 1 else ''}: ms (peer ms / ours int8 ms: >1 = ours faster)")
        print("| runtime | " + " | ".join(f"L={c['seq_len']}" for c in group) + " |")
        print("| --- |" + " --- |" * len(group))
        for key in keys:
            title = PEERS[key].title + (" ⚠ LOGITS OFF" if status[key].get("flag") else "")
            print(f"| {title} | " + " | ".join(peer_cell(status, c, key) for c in group) + " |")
        fastest, versus, floor_ms, times_floor = [], [], [], []
        for c in group:
            others = {k: v for k, v in c["ms"].items() if not k.startswith("ours")}
            best = min(others, key=others.get) if others else None
            fastest.append(f"{PEERS[best].title} {others[best]:.2f}" if best else "–")
            ours = c["ms"].get("ours-int8")
            versus.append(f"{others[best] / ours:.2f}×" if best and ours else "–")
            floor_ms.append(f"{c['floor_ms']:.2f}" if c.get("floor_ms") else "–")
            times_floor.append(f"{ours / c['floor_ms']:.2f}×" if ours and c.get("floor_ms") else "–")
        print("| fastest peer (ms) | " + " | ".join(fastest) + " |")
        print("| ours int8 speed vs fastest peer | " + " | ".join(versus) + " |")
        if floor:
            print(f"| floor ms ({floor['gmacs_per_core']:.1f} GMAC/s/core) | " + " | ".join(floor_ms) + " |")
            print("| ours int8 × floor | " + " | ".join(times_floor) + " |")


# ---------------------------------------------------------------- orchestration

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, default=Path("/tmp/full/distilkobert-seqcls-legacy"))
    parser.add_argument("--kbt", type=Path, help="packed file (default: made with kobert-quantize in the work folder)")
    parser.add_argument("--bin", type=Path, default=REPO / ".build/release", help="folder with release kobert + kobert-quantize")
    parser.add_argument("--seq-lens", type=int, nargs="+", help="default 16 64 128 (--curve: 8 … 512)")
    parser.add_argument("--batches", type=int, nargs="+", help="sequences per pass; default 1 (--curve: 1 4 16)")
    parser.add_argument("--threads", type=int, nargs="+", help="default 2 (--curve: 1 2)")
    parser.add_argument("--iterations", type=int, default=30, help="timed passes per worker")
    parser.add_argument("--warmup", type=int, default=5, help="untimed passes per worker")
    parser.add_argument("--rounds", type=int, default=3, help="times every (peer, cell) is run; cells take the median")
    parser.add_argument("--peers", help=f"comma-separated subset of {','.join(PEERS)} (--curve: {','.join(CURVE_PEERS)})")
    parser.add_argument("--curve", action="store_true", help="L 8…512 × batch 1/4/16 × threads 1/2, ours and the fastest peers")
    parser.add_argument("--seed", type=int, help="shuffle seed (default: drawn and printed)")
    parser.add_argument("--floor-gmacs", type=float, help="int8 GMAC/s per core to use instead of measuring it")
    parser.add_argument("--tokenizer", type=Path, default=REPO / "models/tokenizer", help="for calibration ids")
    parser.add_argument("--calibration-data", type=Path, default=REPO.parent / "shared/data/nsmc/dev.tsv.zst",
                        help="NSMC .tsv.zst whose reviews calibrate OpenVINO/NNCF")
    parser.add_argument("--calibration-lines", type=int, default=200)
    parser.add_argument("--worker-timeout", type=int, default=1200, help="seconds per worker process")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "kobert-compare")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--setup", metavar="PEER", choices=list(PEERS), help=argparse.SUPPRESS)
    parser.add_argument("--worker", metavar="PEER", choices=list(PEERS), help=argparse.SUPPRESS)
    parser.add_argument("--seq-len", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()

    args.seq_lens = args.seq_lens or (CURVE_LENGTHS if args.curve else [16, 64, 128])
    args.batches = args.batches or (CURVE_BATCHES if args.curve else [1])
    args.threads = args.threads or (CURVE_THREADS if args.curve else [2])
    for name, values in (("seq-lens", args.seq_lens), ("batches", args.batches), ("threads", args.threads)):
        if any(v < 1 for v in values) or (name == "seq-lens" and any(v < 2 for v in values)):
            parser.error(f"--{name} {values}: out of range")
    if args.iterations < 1 or args.warmup < 0 or args.rounds < 1 or args.calibration_lines < 1:
        parser.error("--iterations, --rounds and --calibration-lines must be ≥ 1, --warmup ≥ 0")
    args.work = args.work.resolve()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.prepare:
        return prepare(args)
    if args.setup:
        return setup_peer(args.setup, args)
    if args.worker:
        if not args.seq_len:
            parser.error("--worker needs --seq-len")
        return worker(args.worker, args)

    keys = (args.peers or ",".join(CURVE_PEERS if args.curve else PEERS)).split(",")
    unknown = [k for k in keys if k not in PEERS]
    if unknown:
        parser.error(f"--peers: unknown {unknown}; known: {', '.join(PEERS)}")
    if "ours-int8" not in keys:
        keys.insert(0, "ours-int8")  # every ratio is to it

    cpu = cpu_summary()
    print(f"CPU: {cpu['model']}, {cpu['cpus']} CPUs; " + ", ".join(f"{f} {'yes' if v else 'no'}"
                                                             for f, v in cpu["flags"].items()))
    status = {}
    for key in keys:
        missing = [m for m in PEERS[key].requires if importlib.util.find_spec(m) is None]
        if missing:
            status[key] = {"state": f"not installed ({', '.join(missing)})"}
            warn(f"PEER NOT INSTALLED: {PEERS[key].title} needs {', '.join(missing)} "
                 f"(pip install -r Tools/bench/requirements.txt); its row says so")

    print("preparing (ONNX export, reference logits, calibration ids)", file=sys.stderr, flush=True)
    prep_argv = [sys.executable, str(Path(__file__).resolve()), "--prepare", *common_flags(args),
                 "--threads", str(max(args.threads)), "--tokenizer", str(args.tokenizer),
                 "--calibration-data", str(args.calibration_data), "--calibration-lines", str(args.calibration_lines)]
    if args.kbt:
        prep_argv += ["--kbt", str(args.kbt)]
    if subprocess.run(prep_argv).returncode != 0:
        raise SystemExit("compare.py: preparation failed (see above)")
    context = read_context(args.work)
    if max(args.seq_lens) > context["config"]["positions"]:
        raise SystemExit(f"compare.py: --seq-lens {max(args.seq_lens)} exceeds the model's "
                         f"{context['config']['positions']} positions")
    reference = np.load(args.work / "reference.npz")["logits"]
    calibration = json.loads(Path(context["calibration"]).read_text())["source"]

    print(f"\nset-up, logits on 2 × 24 random ids vs PyTorch fp32 (max |logit| {np.abs(reference).max():.3f}); "
          f"calibration: {calibration}")
    for key in keys:
        if key in status:
            print(f"  {PEERS[key].title}: {status[key]['state']}")
            continue
        start = time.perf_counter()
        out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--setup", key, *common_flags(args),
                              "--threads", str(max(args.threads))],
                             capture_output=True, text=True, env=child_env(PEERS[key], max(args.threads)))
        seconds = time.perf_counter() - start
        try:
            if out.returncode != 0:
                raise ValueError(f"exit {out.returncode}: {one_line(out.stderr or out.stdout)}")
            result = last_json(out.stdout)
            logits = np.asarray(result["logits"], dtype=np.float64)
            if logits.shape != reference.shape:
                raise ValueError(f"logits of shape {logits.shape}, PyTorch's are {reference.shape}")
        except (ValueError, KeyError) as error:
            status[key] = {"state": "set-up failed"}
            warn(f"{PEERS[key].title}: SET-UP FAILED: {error}")
            print(f"  {PEERS[key].title}: SET-UP FAILED: {error}")
            continue
        diff = float(np.abs(logits - reference).max())
        absolute, relative = TOLERANCE["fp32" if key.endswith("fp32") else "int8"]
        limit = absolute + relative * float(np.abs(reference).max())
        status[key] = {"state": "ok", "info": result["info"], "max_abs_diff": diff, "limit": limit,
                       "flag": diff > limit, "setup_s": seconds}
        mark = "OK" if diff <= limit else "WRONG LOGITS (over the limit)"
        print(f"  {PEERS[key].title}: max abs diff {diff:.4g} (limit {limit:.3g}) {mark}; {result['info']} "
              f"[{seconds:.0f} s]")
        if diff > limit:
            warn(f"{PEERS[key].title}: logits off by {diff:.4g} (limit {limit:.3g}); its row is flagged")

    if args.floor_gmacs:
        floor = {"gmacs_per_core": args.floor_gmacs, "route": "given", "source": "--floor-gmacs"}
    else:
        print("measuring the int8 floor (Tools/bench/kernels)", file=sys.stderr, flush=True)
        floor = measure_floor(cpu, args.work)
    if floor:
        print(f"floor: {floor['gmacs_per_core']:.1f} GMAC/s per core ({floor['route']}, {floor['source']}); "
              f"floor ms = {context['config']['layers']} layers × L × batch × (4·h² + 2·h·ffn) / "
              f"(threads × GMAC/s per core)")

    cells = [(l, b, t) for t in args.threads for b in args.batches for l in args.seq_lens]
    runnable = [k for k in keys if status[k]["state"] == "ok"]
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
    print(f"{len(runnable)} peers × {len(cells)} cells × {args.rounds} rounds, shuffled with --seed {seed}", flush=True)
    rng = random.Random(seed)
    results = {(k, c): [] for k in runnable for c in cells}
    errors = {}
    for round_index in range(args.rounds):
        order = [(k, c) for k in runnable for c in cells]
        rng.shuffle(order)
        for key, cell in order:
            result = run_cell(key, cell, args, context)
            if "error" in result:
                errors.setdefault((key, cell), []).append(result["error"])
                warn(f"round {round_index + 1}, {key} L={cell[0]} b={cell[1]} t={cell[2]}: {result['error']}")
            else:
                results[(key, cell)].append(result["median_ms"])
                print(f"round {round_index + 1}: {key} L={cell[0]} b={cell[1]} t={cell[2]}: "
                      f"{result['median_ms']:.2f} ms", file=sys.stderr, flush=True)

    table = []
    for cell in cells:
        seq_len, batch, threads = cell
        macs = linear_macs(context["config"], seq_len, batch)
        row = {"seq_len": seq_len, "batch": batch, "threads": threads, "linear_gmac": macs / 1e9,
               "ms": {k: statistics.median(results[(k, cell)]) for k in runnable if results[(k, cell)]},
               "rounds_ms": {k: results[(k, cell)] for k in runnable},
               "errors": {k: v for (k, c), v in errors.items() if c == cell}}
        if floor:
            row["floor_ms"] = macs / (threads * floor["gmacs_per_core"] * 1e9) * 1000
        table.append(row)

    print(f"\nmedian of {args.iterations} passes per worker ({args.warmup} warm-up), median over {args.rounds} "
          f"round{'s' if args.rounds > 1 else ''}; --seed {seed}")
    print_tables(table, keys, status, floor)
    sizes = {"checkpoint fp32": size_mb(args.checkpoint), "ONNX fp32": size_mb(context["onnx_fp32"]),
             **{PEERS[k].title: size_mb(PEERS[k].artifact(context)) for k in runnable
                if k not in ("ours-fp32", "ort-fp32", "torch-fp32")}}
    print("\n| file | MB |\n| --- | --- |")
    for name, mb in sizes.items():
        if mb is not None:
            print(f"| {name} | {mb:.1f} |")
    if args.json:
        args.json.write_text(json.dumps({
            "cpu": cpu, "seed": seed, "floor": floor, "config": context["config"], "calibration": calibration,
            "settings": {"iterations": args.iterations, "warmup": args.warmup, "rounds": args.rounds},
            "peers": {k: {"title": PEERS[k].title, **status[k]} for k in keys},
            "cells": table, "sizes_mb": sizes}, indent=2) + "\n")


if __name__ == "__main__":
    main()
