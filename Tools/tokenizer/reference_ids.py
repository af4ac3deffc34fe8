#!/usr/bin/env python3
"""Reference ids for every line of a text file, to compare with `kobert-tokenizer-tool ids|spids`.

  .venv/bin/python Tools/tokenizer/reference_ids.py kobert MODEL_DIR < lines.txt > ref.txt   # KoBertTokenizer ids
  .venv/bin/python Tools/tokenizer/reference_ids.py sp MODEL_DIR < lines.txt > ref.txt       # sentencepiece ids
Lines are split on "\\n" only (as the Swift tool does); output is one space-separated id list a line.
"""
import io
import os
import sys
import warnings

import sentencepiece as spm
from kobert_transformers.tokenization_kobert import KoBertTokenizer


def main():
    warnings.filterwarnings("ignore")
    mode, directory = sys.argv[1], sys.argv[2]
    model = os.path.join(directory, "tokenizer_78b3253a26.model")
    sp = spm.SentencePieceProcessor(model_file=model)
    tokenizer = KoBertTokenizer(model, os.path.join(directory, "vocab.txt"))
    lines = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", newline="\n")
    out = sys.stdout
    for line in lines:
        line = line[:-1] if line.endswith("\n") else line
        ids = sp.encode(line) if mode == "sp" else tokenizer.convert_tokens_to_ids(tokenizer.tokenize(line))
        out.write(" ".join(map(str, ids)) + "\n")


if __name__ == "__main__":
    main()
