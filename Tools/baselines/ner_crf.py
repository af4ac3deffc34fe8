#!/usr/bin/env python3
"""Naver NER baseline: a linear-chain CRF (CRFsuite, L-BFGS with L1+L2) over hand-made word features, trained on
the project's fixed 7,000-sentence split and scored with entity-level F1 on the 1,000 dev sentences.

  .venv/bin/python Tools/baselines/ner_crf.py [--data ../shared/data] [--json out.json]
"""
import argparse
import json
import os
import sys
import time

import pycrfsuite

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "train"))
from entity_f1 import entity_scores  # noqa: E402
from shared_data import DEFAULT_DATA, ner_split  # noqa: E402


def shape(word):
    kinds = []
    for ch in word:
        if ch.isdigit():
            kind = "9"
        elif "\uac00" <= ch <= "\ud7a3":
            kind = "가"
        elif ch.isalpha():
            kind = "a"
        else:
            kind = "."
        if not kinds or kinds[-1] != kind:
            kinds.append(kind)
    return "".join(kinds)


def word_features(word, prefix):
    # Korean attaches particles and endings to the word, so its first and last characters carry most signal.
    return [f"{prefix}w={word}", f"{prefix}shape={shape(word)}",
            f"{prefix}p1={word[:1]}", f"{prefix}p2={word[:2]}", f"{prefix}p3={word[:3]}",
            f"{prefix}s1={word[-1:]}", f"{prefix}s2={word[-2:]}", f"{prefix}s3={word[-3:]}",
            f"{prefix}stem1={word[:-1]}", f"{prefix}stem2={word[:-2]}"]


def sentence_features(words):
    features = []
    for i, word in enumerate(words):
        feats = ["bias", f"len={min(len(word), 8)}"] + word_features(word, "")
        for offset in (-2, -1, 1, 2):
            j = i + offset
            if 0 <= j < len(words):
                neighbour = words[j]
                feats += [f"{offset}:w={neighbour}", f"{offset}:s1={neighbour[-1:]}", f"{offset}:s2={neighbour[-2:]}",
                          f"{offset}:p2={neighbour[:2]}"]
            else:
                feats.append(f"{offset}:edge")
        features.append(feats)
    return features


def train_crf(sentences, path, c1=0.05, c2=0.05, iterations=200):
    """Fits the baseline CRF on (words, tags) pairs, writes it to `path` and returns a tagger on it."""
    trainer = pycrfsuite.Trainer(verbose=False)
    for words, tags in sentences:
        trainer.append(sentence_features(words), tags)
    trainer.set_params({"c1": c1, "c2": c2, "max_iterations": iterations, "feature.possible_transitions": True})
    trainer.train(path)
    tagger = pycrfsuite.Tagger()
    tagger.open(path)
    return tagger


def tag_marginals(tagger, words, tags):
    """P(tag | sentence) of every word (rows) over `tags` (columns, the model's label order); tags the CRF never
    saw get 0 (a list of lists, so this module needs no numpy)."""
    tagger.set(sentence_features(words))
    known = set(tagger.labels())
    return [[tagger.marginal(tag, i) if tag in known else 0.0 for tag in tags] for i in range(len(words))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--c1", type=float, default=0.05)
    parser.add_argument("--c2", type=float, default=0.05)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--model", default="/tmp/ner_crf.crfsuite")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()

    started = time.time()
    train, dev = ner_split(args.data)
    tagger = train_crf(train, args.model, args.c1, args.c2, args.iterations)
    predicted = [tagger.tag(sentence_features(words)) for words, _ in dev]
    scores = entity_scores([tags for _, tags in dev], predicted)
    result = {"baseline": "word-feature CRF (CRFsuite)", "ner_dev_entity_f1": round(scores["f1"], 2),
              "precision": round(scores["precision"], 2), "recall": round(scores["recall"], 2),
              "train_sentences": len(train), "dev_sentences": len(dev), "wall_s": round(time.time() - started, 1)}
    print(json.dumps(result))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
