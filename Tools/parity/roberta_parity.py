#!/usr/bin/env python3
"""fp32 (and optionally int8) parity of the Swift runtime on a RoBERTa-family model read from text,
with a real XLM-R tokenizer: a seeded random XLMRobertaForSequenceClassification shaped like
multilingual-e5-small's encoder but in RoBERTa's layout (514 positions counted from pad_token_id + 1,
one token type, LayerNorm eps 1e-5), saved with the given tokenizer.json, then

  - text → `kobert predict` (our tokenizer, our encoder, our head) against `tokenizers` → transformers;
  - the same reviews as token-id pairs <s> A </s></s> B </s> (`--ids`), against transformers;
  - with --kbt: the folder packed by `kobert-quantize` (tokenizer.json inside) read from the same text.

    .venv/bin/python Tools/parity/roberta_parity.py --tokenizer DIR_WITH_TOKENIZER_JSON --lines FILE \\
        --count 300 --work /tmp/xlmr [--layers 4] [--kbt] [--bin .build/release]
"""
import argparse, json, subprocess, sys
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer
from transformers import XLMRobertaConfig, XLMRobertaForSequenceClassification

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--tokenizer", required=True, help="folder holding tokenizer.json (e.g. multilingual-e5-small's)")
ap.add_argument("--lines", required=True, help="UTF-8 text, one input a line")
ap.add_argument("--count", type=int, default=300)
ap.add_argument("--work", required=True, help="scratch folder for the model (and the .kbt)")
ap.add_argument("--layers", type=int, default=4)
ap.add_argument("--bin", default=".build/release", help="folder holding kobert and kobert-quantize")
ap.add_argument("--kbt", action="store_true", help="also pack to int8 and compare (calibration: the lines after --count)")
args = ap.parse_args()

torch.manual_seed(7)
work = Path(args.work); work.mkdir(parents=True, exist_ok=True)
tok = Tokenizer.from_file(str(Path(args.tokenizer) / "tokenizer.json"))
tok.no_truncation(); tok.no_padding()
config = XLMRobertaConfig(vocab_size=tok.get_vocab_size(), hidden_size=384, num_hidden_layers=args.layers,
                          num_attention_heads=12, intermediate_size=1536, max_position_embeddings=514,
                          type_vocab_size=1, layer_norm_eps=1e-5, pad_token_id=1, bos_token_id=0, eos_token_id=2,
                          id2label={0: "negative", 1: "positive"}, label2id={"negative": 0, "positive": 1})
config.architectures = ["XLMRobertaForSequenceClassification"]
model = XLMRobertaForSequenceClassification(config).eval()
with torch.no_grad():  # trained-looking scales: LayerNorm away from 1, biases non-zero
    for name, p in model.named_parameters():
        if "LayerNorm" in name and name.endswith("weight"): p.copy_(1 + 0.2 * torch.randn_like(p))
        elif name.endswith("bias"): p.copy_(0.1 * torch.randn_like(p))
model.save_pretrained(work)
(work / "tokenizer.json").write_bytes((Path(args.tokenizer) / "tokenizer.json").read_bytes())

lines = [l.strip() for l in open(args.lines, encoding="utf-8") if l.strip()]
texts, calibration = lines[:args.count], lines[args.count:args.count + 100]
ids = [tok.encode(t).ids[:512] for t in texts]
pairs = [tok.encode(a, b).ids[:512] for a, b in zip(texts[0::2], texts[1::2])]

def reference(rows):
    out = []
    with torch.inference_mode():
        for r in rows:
            out.append(model(input_ids=torch.tensor([r])).logits[0].double().numpy())
    return out

def kobert(model_path, stdin, extra):
    cmd = [f"{args.bin}/kobert", "predict", "--model", str(model_path), "--task", "nsmc", "--threads", "2", *extra]
    res = subprocess.run(cmd, input=stdin, capture_output=True, text=True)
    if res.returncode != 0: sys.exit(f"{' '.join(cmd)}: {res.stderr.strip()}")
    return [np.array(json.loads(l)["logits"]) for l in res.stdout.splitlines()]

def report(what, ours, want):
    assert len(ours) == len(want), (what, len(ours), len(want))
    delta = max(float(np.abs(a - b).max()) for a, b in zip(ours, want))
    cos = [float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)) for a, b in zip(ours, want)]
    agree = sum(int(a.argmax() == b.argmax()) for a, b in zip(ours, want))
    print(f"{what}: {len(ours)} inputs, max |Δ logits| {delta:.2e}, cosine mean {np.mean(cos):.6f} worst {min(cos):.6f}, "
          f"argmax agreement {agree}/{len(ours)}")

want_text, want_pairs = reference(ids), reference(pairs)
report("fp32 text", kobert(work, "\n".join(texts) + "\n", []), want_text)
report("fp32 pair ids", kobert(work, "\n".join(json.dumps(p) for p in pairs) + "\n", ["--ids"]), want_pairs)
if args.kbt:
    cal = work / "calibration.txt"; cal.write_text("\n".join(calibration) + "\n", encoding="utf-8")
    kbt = work.with_suffix(".kbt")
    subprocess.run([f"{args.bin}/kobert-quantize", str(work), "-o", str(kbt), "--calibration", str(cal)], check=True)
    print(f"packed: {kbt.stat().st_size / 1e6:.1f} MB")
    report("int8 text", kobert(kbt, "\n".join(texts) + "\n", []), want_text)
