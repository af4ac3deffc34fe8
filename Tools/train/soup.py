#!/usr/bin/env python3
"""Average the weights of fine-tuned models that started from the same pretrained student ("model soup",
Wortsman et al. 2022): one model, no extra inference cost, usually at least as good as the better one.
Only meaningful for models fine-tuned from one checkpoint; models with different shapes or keys are refused.

  .venv/bin/python Tools/train/soup.py OUT_DIR MODEL_DIR MODEL_DIR [...]

OUT_DIR gets the first model's config, the averaged weights in fp16 and its tokenizer files.
"""
import argparse
import os
import sys

import torch
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoModelForTokenClassification

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export import export_folder  # noqa: E402


def load(folder):
    architecture = AutoConfig.from_pretrained(folder).architectures[0]
    kind = AutoModelForTokenClassification if architecture.endswith("ForTokenClassification") else AutoModelForSequenceClassification
    return kind.from_pretrained(folder, dtype=torch.float32)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir")
    parser.add_argument("models", nargs="+")
    args = parser.parse_args()
    if len(args.models) < 2:
        raise SystemExit("soup.py: give at least two model folders to average")
    soup = load(args.models[0])
    total = {k: v.clone() for k, v in soup.state_dict().items()}
    for folder in args.models[1:]:
        weights = load(folder).state_dict()
        if weights.keys() != total.keys() or any(weights[k].shape != total[k].shape for k in total):
            raise SystemExit(f"{folder}: weights differ in names or shapes from {args.models[0]}; only fine-tunes of one model can be averaged")
        for k in total:
            total[k] += weights[k]
    soup.load_state_dict({k: v / len(args.models) for k, v in total.items()})
    files = export_folder(soup, args.out_dir, args.models[0])
    print(f"{args.out_dir}: average of {len(args.models)} models ({', '.join(sorted(files))})")


if __name__ == "__main__":
    main()
