#!/usr/bin/env python3
"""Train the KoBERT-like SentencePiece tokenizers the project ships and tests with.

Writes
  models/tokenizer/tokenizer_78b3253a26.model   unigram, 8,000 pieces, nmt_nfkc
  models/tokenizer/vocab.txt                    KoBERT's layout: [UNK] [PAD] [CLS] [SEP] [MASK],
                                                then the pieces minus <unk> <s> </s> sorted by code point
  Tests/Fixtures/tokenizer/bpe/{tokenizer_78b3253a26.model,vocab.txt}   BPE, 4,000 pieces, same layout

Training text: a seeded sample of ../shared/data/nsmc/unlabeled.txt.zst (the sample is drawn here,
so the result does not depend on sentencepiece's own sampler). Two threads: the build box is shared.

  .venv/bin/python Tools/tokenizer/train_tokenizer.py [--data ../shared/data] [--threads 2]
  (--unigram-dir/--bpe-dir write elsewhere, e.g. to check that a rebuild is byte-identical)
"""
import argparse
import os
import random
import subprocess
import sys

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as sp_pb2

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPECIALS = ["[UNK]", "[PAD]", "[CLS]", "[SEP]", "[MASK]"]
SP_CONTROL = {"<unk>", "<s>", "</s>"}
MODEL_NAME = "tokenizer_78b3253a26.model"


def read_zst_lines(path):
    out = subprocess.run(["zstd", "-dc", path], check=True, stdout=subprocess.PIPE).stdout
    return out.decode("utf-8").split("\n")


def sample(lines, count, seed):
    lines = [line for line in lines if line.strip()]
    if count >= len(lines):
        return lines
    return random.Random(seed).sample(lines, count)


def train(sentences, out_dir, model_type, vocab_size, threads):
    os.makedirs(out_dir, exist_ok=True)
    prefix = os.path.join(out_dir, "_sp")
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences),
        model_prefix=prefix,
        model_type=model_type,
        vocab_size=vocab_size,
        normalization_rule_name="nmt_nfkc",
        character_coverage=0.9995,
        input_sentence_size=0,          # we sampled already
        shuffle_input_sentence=False,
        num_threads=threads,
        minloglevel=1,
    )
    model_path = os.path.join(out_dir, MODEL_NAME)
    # The trainer records its output prefix (a local path); store the file name instead so a rebuild
    # is byte-identical wherever it runs.
    proto = sp_pb2.ModelProto()
    with open(prefix + ".model", "rb") as f:
        proto.ParseFromString(f.read())
    proto.trainer_spec.model_prefix = MODEL_NAME[: -len(".model")]
    with open(model_path, "wb") as f:
        f.write(proto.SerializeToString())
    os.remove(prefix + ".model")
    os.remove(prefix + ".vocab")
    write_vocab(model_path, os.path.join(out_dir, "vocab.txt"))
    return model_path


def write_vocab(model_path, vocab_path):
    sp = spm.SentencePieceProcessor(model_file=model_path)
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    kept = sorted(p for p in pieces if p not in SP_CONTROL)   # Python sorts str by code point
    with open(vocab_path, "w", encoding="utf-8") as f:
        for token in SPECIALS + kept:
            f.write(token + "\n")
    print(f"{model_path}: {len(pieces)} pieces; {vocab_path}: {len(SPECIALS) + len(kept)} lines")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.path.join(os.path.dirname(REPO), "shared", "data"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--unigram-lines", type=int, default=300_000)
    parser.add_argument("--bpe-lines", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20180)
    parser.add_argument("--only", choices=["unigram", "bpe"], default=None)
    parser.add_argument("--unigram-dir", default=os.path.join(REPO, "models", "tokenizer"))
    parser.add_argument("--bpe-dir", default=os.path.join(REPO, "Tests", "Fixtures", "tokenizer", "bpe"))
    args = parser.parse_args()

    lines = read_zst_lines(os.path.join(args.data, "nsmc", "unlabeled.txt.zst"))
    if args.only in (None, "unigram"):
        train(sample(lines, args.unigram_lines, args.seed), args.unigram_dir, "unigram", 8000, args.threads)
    if args.only in (None, "bpe"):
        train(sample(lines, args.bpe_lines, args.seed + 1), args.bpe_dir, "bpe", 4000, args.threads)


if __name__ == "__main__":
    sys.exit(main())
