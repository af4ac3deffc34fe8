#!/usr/bin/env python3
"""Sanity check of the shipped folders on a few Korean sentences: a clearly positive and a clearly negative
review must come out positive / negative, and a sentence with a person and a place must yield a PER and a LOC.
Exit status 1 names what failed.

  .venv/bin/python Tools/train/check_models.py [--nsmc models/nsmc] [--ner models/ner]
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from entity_f1 import entities  # noqa: E402
from pretokenize import load_tokenizer  # noqa: E402
from shared_data import REPO  # noqa: E402

REVIEWS = [("정말 재밌고 감동적인 영화였어요. 배우들 연기도 최고! 강력 추천합니다", "positive"),
           ("시간 아깝다. 지루하고 내용도 없고 최악의 영화", "negative")]
NER_SENTENCE = "이순신 장군은 서울 에서 태어나 한산도 에서 왜군을 크게 물리쳤다 ."


def classify(model_dir, text):
    from transformers import AutoModelForSequenceClassification
    tokenizer = load_tokenizer(model_dir)
    model = AutoModelForSequenceClassification.from_pretrained(model_dir, dtype=torch.float32).eval()
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([tokenizer.encode(text)])).logits[0]
    probabilities = logits.softmax(-1)
    best = int(probabilities.argmax())
    return model.config.id2label[best], float(probabilities[best])


def tag_words(model_dir, words):
    from transformers import AutoModelForTokenClassification
    tokenizer = load_tokenizer(model_dir)
    model = AutoModelForTokenClassification.from_pretrained(model_dir, dtype=torch.float32).eval()
    ids, first_piece = [tokenizer.cls_token_id], []
    for word in words:
        pieces = tokenizer.convert_tokens_to_ids(tokenizer.tokenize(word)) or [tokenizer.unk_token_id]
        first_piece.append(len(ids))
        ids += pieces
    ids.append(tokenizer.sep_token_id)
    with torch.no_grad():
        best = model(input_ids=torch.tensor([ids])).logits[0].argmax(-1)
    return [model.config.id2label[int(best[i])] for i in first_piece]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nsmc", default=os.path.join(REPO, "models", "nsmc"))
    parser.add_argument("--ner", default=os.path.join(REPO, "models", "ner"))
    args = parser.parse_args()
    torch.set_num_threads(2)
    failures = []
    for text, expected in REVIEWS:
        label, probability = classify(args.nsmc, text)
        print(f"nsmc  {label:8s} {probability:.3f}  {text}")
        if label != expected:
            failures.append(f"{args.nsmc}: {text!r} -> {label}, expected {expected}")
    words = NER_SENTENCE.split()
    tags = tag_words(args.ner, words)
    found = {kind for kind, _, _ in entities(tags)}
    print("ner   " + " ".join(f"{w}/{t}" for w, t in zip(words, tags)))
    for kind in ("PER", "LOC"):
        if kind not in found:
            failures.append(f"{args.ner}: no {kind} entity in {NER_SENTENCE!r}")
    for failure in failures:
        print("FAIL " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
