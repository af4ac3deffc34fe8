#!/usr/bin/env python3
"""Expected outputs of the REAL KoBertTokenizer (kobert-transformers on transformers, sentencepiece)
for the Swift parity tests.

Inputs (≥ 20,000 texts): NSMC dev reviews, Naver NER sentences, KorQuAD contexts and questions, and the
hand-written adversarial set (adversarial.py), plus question/context pairs for encode() and a small
lower-casing set. Both tokenizer models are run: the shipped unigram one (models/tokenizer) and the
BPE test model (Tests/Fixtures/tokenizer/bpe).

Writes, per model NAME in {unigram, bpe}:
  OUT/NAME.jsonl                                  the full set (git-ignored; default OUT=.build-tokenizer-fixtures)
  Tests/Fixtures/tokenizer/NAME-slice.jsonl       the committed slice: every adversarial text + a few hundred others
Each line: {"source", "text", "tokens", "ids", "sp_ids"} or, for pairs, {"source","text","pair","max_length",
"input_ids","token_type_ids"}; lower-cased entries carry "lowercase": true.

  .venv/bin/python Tools/tokenizer/make_fixtures.py [--data ../shared/data] [--out .build-tokenizer-fixtures]
"""
import argparse
import json
import os
import subprocess
import sys
import warnings

import sentencepiece as spm
from kobert_transformers.tokenization_kobert import KoBertTokenizer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from adversarial import ADVERSARIAL, LOWERCASE_EXTRA  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = {
    "unigram": os.path.join(REPO, "models", "tokenizer"),
    "bpe": os.path.join(REPO, "Tests", "Fixtures", "tokenizer", "bpe"),
}
SLICE_PER_SOURCE = {"nsmc": 120, "ner": 60, "korquad-question": 60, "korquad-context": 4, "pair": 12, "lowercase": 1000}


def zst_text(path):
    return subprocess.run(["zstd", "-dc", path], check=True, stdout=subprocess.PIPE).stdout.decode("utf-8")


def load_inputs(data):
    texts = []   # (source, text)
    for line in zst_text(os.path.join(data, "nsmc", "dev.tsv.zst")).split("\n")[1:]:
        if line:
            texts.append(("nsmc", line.split("\t")[1]))
    for line in zst_text(os.path.join(data, "naver-ner", "train.tsv.zst")).split("\n"):
        if line:
            texts.append(("ner", line.split("\t")[0]))
    korquad = json.loads(zst_text(os.path.join(data, "korquad", "KorQuAD_v1.0_dev.json.zst")))
    pairs = []
    for article in korquad["data"]:
        for paragraph in article["paragraphs"]:
            texts.append(("korquad-context", paragraph["context"]))
            for qa in paragraph["qas"]:
                texts.append(("korquad-question", qa["question"]))
                if len(pairs) < 400:
                    pairs.append((qa["question"], paragraph["context"]))
    texts.extend(("adversarial", text) for text in ADVERSARIAL)
    return texts, pairs


def run_model(name, texts, pairs):
    directory = MODELS[name]
    model_file = os.path.join(directory, "tokenizer_78b3253a26.model")
    vocab_file = os.path.join(directory, "vocab.txt")
    tokenizer = KoBertTokenizer(model_file, vocab_file)
    lower = KoBertTokenizer(model_file, vocab_file, do_lower_case=True)
    sp = spm.SentencePieceProcessor(model_file=model_file)
    records = []
    for source, text in texts:
        tokens = tokenizer.tokenize(text)
        records.append({"source": source, "text": text, "tokens": tokens,
                        "ids": tokenizer.convert_tokens_to_ids(tokens), "sp_ids": sp.encode(text)})
    for text in ADVERSARIAL + LOWERCASE_EXTRA:
        tokens = lower.tokenize(text)
        records.append({"source": "lowercase", "lowercase": True, "text": text, "tokens": tokens,
                        "ids": lower.convert_tokens_to_ids(tokens)})
    for k, (question, context) in enumerate(pairs):
        max_length = (64, 128, 384, 512)[k % 4]
        out = tokenizer(question, context, truncation=True, max_length=max_length, return_token_type_ids=True)
        records.append({"source": "pair", "text": question, "pair": context, "max_length": max_length,
                        "input_ids": out["input_ids"], "token_type_ids": out["token_type_ids"]})
    return records


def write_jsonl(path, records):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.path.join(os.path.dirname(REPO), "shared", "data"))
    parser.add_argument("--out", default=os.path.join(REPO, ".build-tokenizer-fixtures"))
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    texts, pairs = load_inputs(args.data)
    for name in MODELS:
        records = run_model(name, texts, pairs)
        write_jsonl(os.path.join(args.out, f"{name}.jsonl"), records)
        taken = {}
        chosen = []
        for record in records:
            source = record["source"]
            if source == "lowercase" and name != "unigram":
                continue   # one model is enough for the lower-casing path
            if source == "adversarial" or taken.get(source, 0) < SLICE_PER_SOURCE.get(source, 0):
                chosen.append(record)
                taken[source] = taken.get(source, 0) + 1
        slice_path = os.path.join(REPO, "Tests", "Fixtures", "tokenizer", f"{name}-slice.jsonl")
        write_jsonl(slice_path, chosen)
        print(f"{name}: {len(records)} records → {args.out}/{name}.jsonl; slice {len(chosen)} → {slice_path} "
              f"({os.path.getsize(slice_path)} bytes)")


if __name__ == "__main__":
    main()
