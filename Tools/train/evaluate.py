#!/usr/bin/env python3
"""Score a shipped Hugging Face folder on the dev split from raw text: its own tokenizer files through
KoBertTokenizer (the runtime's tokenization), fp32 weights, NSMC dev accuracy or NER dev entity F1.

  .venv/bin/python Tools/train/evaluate.py models/nsmc
  .venv/bin/python Tools/train/evaluate.py models/ner [--max-length 128] [--json out.json]
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import shared_data  # noqa: E402
from batching import TokenArrays  # noqa: E402
from pretokenize import encode_texts, flatten, load_tokenizer, ner_arrays  # noqa: E402


def special_ids(tokenizer):
    return {"cls_id": tokenizer.cls_token_id, "sep_id": tokenizer.sep_token_id, "pad_id": tokenizer.pad_token_id}


def evaluate_nsmc(model_dir, data, max_length, device):
    from transformers import AutoModelForSequenceClassification
    from finetune_nsmc import accuracy
    tokenizer = load_tokenizer(model_dir)
    texts, labels = shared_data.nsmc(data, "dev")
    ids, offsets = flatten(encode_texts(tokenizer, texts, "nsmc dev"))
    dev = TokenArrays(arrays={"ids": ids, "offsets": offsets, "labels": np.array(labels, dtype=np.int8)})
    model = AutoModelForSequenceClassification.from_pretrained(model_dir, dtype=torch.float32).to(device)
    if model.config.id2label != {0: "negative", 1: "positive"}:
        raise SystemExit(f"{model_dir}/config.json: id2label {model.config.id2label}, expected negative/positive")
    return {"task": "nsmc", "dev_accuracy": round(accuracy(model, dev, special_ids(tokenizer), max_length, device), 2), "dev": len(dev)}


def evaluate_ner(model_dir, data, max_length, device):
    from transformers import AutoModelForTokenClassification
    from finetune_ner import entity_f1
    tokenizer = load_tokenizer(model_dir)
    tags = shared_data.ner_tags(data)
    model = AutoModelForTokenClassification.from_pretrained(model_dir, dtype=torch.float32).to(device)
    if [model.config.id2label[i] for i in range(len(tags))] != tags:
        raise SystemExit(f"{model_dir}/config.json: id2label differs from naver-ner/label.txt")
    _, dev_sentences = shared_data.ner_split(data)
    dev = TokenArrays(arrays=ner_arrays(tokenizer, dev_sentences, {t: i for i, t in enumerate(tags)}, "ner dev"))
    scores = entity_f1(model, dev, {**special_ids(tokenizer), "ner_tags": tags}, max_length, device)
    return {"task": "ner", "dev_entity_f1": round(scores["f1"], 2), "precision": round(scores["precision"], 2),
            "recall": round(scores["recall"], 2), "dev": len(dev)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir")
    parser.add_argument("--data", default=shared_data.DEFAULT_DATA)
    parser.add_argument("--max-length", type=int, default=None, help="pieces incl. [CLS]/[SEP] (default: nsmc 96, ner 128, as trained)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with open(os.path.join(args.model_dir, "config.json")) as f:
        architecture = json.load(f)["architectures"][0]
    started = time.time()
    if architecture.endswith("ForSequenceClassification"):
        result = evaluate_nsmc(args.model_dir, args.data, args.max_length or 96, torch.device("cpu"))
    elif architecture.endswith("ForTokenClassification"):
        result = evaluate_ner(args.model_dir, args.data, args.max_length or 128, torch.device("cpu"))
    else:
        raise SystemExit(f"{args.model_dir}/config.json: architecture {architecture} is neither NSMC nor NER")
    result.update({"model": args.model_dir, "wall_s": round(time.time() - started, 1)})
    print(json.dumps(result))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
