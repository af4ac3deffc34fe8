#!/usr/bin/env python3
"""tokenizer.json parity: HF `tokenizers` against `kobert tokenize --with-special`.

  tokenizer_json_parity.py lines   --out LINES.txt [--nsmc N] [--fuzz N]   # real NSMC lines + fuzz, one a line
  tokenizer_json_parity.py expected --tokenizer DIR --lines LINES.txt --out EXPECTED.jsonl
  tokenizer_json_parity.py compare  --tokenizer DIR --lines LINES.txt --kobert .build/debug/kobert
  tokenizer_json_parity.py train-fixtures --out Tests/Fixtures/tokenizer-json   # tiny committed fixtures
  tokenizer_json_parity.py from-vocab --vocab-dir DIR --out OUTDIR [--lines LINES.txt]  # vocab.txt → tokenizer.json

The reference is `Tokenizer.from_file(DIR/tokenizer.json)` with the file's truncation and padding
switched off (the Swift loader does not apply them), add_special_tokens=True. Lines are split on
b"\\n" only, exactly as `kobert tokenize` reads them. `compare` checks ids, tokens and offsets
(the reference's (0, 0) for an added special is kobert's null) and exits 1 on any mismatch.
"""
import argparse
import json
import random
import subprocess
import sys
import unicodedata
from pathlib import Path

import tokenizers
from tokenizers import Tokenizer

NSMC = "/work/shared/data/nsmc"


def nsmc_lines(n):
    out = []
    for name in ("dev.tsv.zst", "train.tsv.zst"):
        raw = subprocess.run(["zstd", "-dc", f"{NSMC}/{name}"], check=True, capture_output=True).stdout
        for row in raw.decode("utf-8").split("\n")[1:]:
            parts = row.split("\t")
            if len(parts) == 3 and parts[1]:
                out.append(parts[1])
            if len(out) >= n:
                return out
    return out


def fuzz_lines(n, seed=15):
    """Text that exercises the edges: combining marks, fullwidth/halfwidth forms, CJK, jamo, emoji
    sequences, unassigned and control scalars, space runs, added tokens glued to words."""
    rng = random.Random(seed)
    pools = [
        [chr(c) for c in range(0xAC00, 0xD7A4, 37)],                    # Hangul syllables
        [chr(c) for c in range(0x1100, 0x1200)] + [chr(c) for c in range(0x3131, 0x318F)],  # jamo
        list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
        list(".,!?~^;:'\"()[]{}<>@#$%&*-_+=/\\|"),
        [chr(c) for c in range(0x300, 0x370)],                           # combining marks
        [chr(c) for c in range(0xFF01, 0xFFEF, 3)],                      # fullwidth / halfwidth
        [chr(c) for c in range(0x4E00, 0x9FFF, 501)] + [chr(c) for c in range(0x3040, 0x30FF, 7)],
        ["\U0001F600", "\U0001F44D\U0001F3FD", "\U0001F468\u200D\U0001F469\u200D\U0001F467", "\u2764\uFE0F", "\U0001F1F0\U0001F1F7"],
        ["\u0378", "\u0380", "\uE000", "\U000E0001", "\u200B", "\u200D", "\u00AD", "\uFEFF", "\u0007", "\x00", "\r", "\t", "\x0b", "\x1f", "\x7f"],
        [" ", "  ", "   ", "\u3000", "\u00A0", "\u2009"],
        ["<s>", "</s>", "<unk>", "<pad>", "<mask>", "[CLS]", "[SEP]", "[UNK]", "[MASK]", "[PAD]"],
        ["e\u0301", "\u1100\u1161\u11A8", "\u212B", "\uFB01", "\u2460", "\u3250", "\u3200", "\u33A1", "\u00BD", "\u2126", "ｶﾞ", "\uFF76\uFF9E"],
        [unicodedata.normalize("NFD", chr(c)) for c in range(0xAC00, 0xD7A4, 997)],   # decomposed Hangul
    ]
    lines = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 30)):
            parts.append(rng.choice(rng.choice(pools)))
        line = "".join(parts)
        lines.append(line.replace("\n", " "))
    return lines


def read_lines(path):
    data = Path(path).read_bytes()
    rows = data.split(b"\n")
    if rows and rows[-1] == b"":
        rows.pop()
    return [r.decode("utf-8") for r in rows]


def load(directory):
    tok = Tokenizer.from_file(str(Path(directory) / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


def reference(tok, lines):
    out = []
    for enc in tok.encode_batch(lines, add_special_tokens=True):
        specials = enc.special_tokens_mask
        offsets = [None if s and o == (0, 0) else list(o) for o, s in zip(enc.offsets, specials)]
        out.append({"ids": enc.ids, "tokens": enc.tokens, "offsets": offsets})
    return out


def cmd_lines(args):
    lines = nsmc_lines(args.nsmc) + fuzz_lines(args.fuzz)
    Path(args.out).write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    print(f"{len(lines)} lines ({args.nsmc} NSMC asked, {args.fuzz} fuzz) → {args.out}")


def cmd_expected(args):
    lines = read_lines(args.lines)
    with open(args.out, "w", encoding="utf-8") as f:
        for record in reference(load(args.tokenizer), lines):
            f.write(json.dumps(record) + "\n")   # ASCII escapes: Foundation drops a raw U+FEFF
    print(f"{len(lines)} records → {args.out} (tokenizers {tokenizers.__version__})")


def cmd_compare(args):
    lines = read_lines(args.lines)
    expected = reference(load(args.tokenizer), lines)
    run = subprocess.run([args.kobert, "tokenize", "--tokenizer", args.tokenizer, "--with-special"],
                         input=Path(args.lines).read_bytes(), capture_output=True)
    got = run.stdout.decode("utf-8").split("\n")
    if got and got[-1] == "":
        got.pop()
    if run.returncode != 0 or len(got) != len(lines):
        print(f"kobert exited {run.returncode} with {len(got)} lines for {len(lines)}: {run.stderr.decode()[:500]}")
        return 1
    id_bad = token_bad = offset_bad = 0
    shown = 0
    for line, want, text in zip(got, expected, lines):
        have = json.loads(line)
        bad = []
        if have["ids"] != want["ids"]:
            id_bad += 1; bad.append("ids")
        if have["tokens"] != want["tokens"]:
            token_bad += 1; bad.append("tokens")
        if have["offsets"] != want["offsets"]:
            offset_bad += 1; bad.append("offsets")
        if bad and shown < args.show:
            shown += 1
            print(f"MISMATCH ({', '.join(bad)}) {text!r}\n  ours   {have}\n  theirs {want}")
    print(f"{args.tokenizer}: {len(lines)} lines, id mismatches {id_bad}, token mismatches {token_bad}, "
          f"offset mismatches {offset_bad} (tokenizers {tokenizers.__version__})")
    return 1 if id_bad or token_bad or offset_bad else 0


# A tiny charsmap in darts-clone layout, chosen to pin HF's Precompiled rules: a cluster key over 5 bytes
# is never used (ｶﾞ), the SHORTEST key prefixing a cluster replaces all of it (e + ́ + ̂ → é), deletions
# (soft hyphen) and expansions (㈜).
CHARSMAP_RULES = [
    ("\uFF76", "\u30AB"), ("\uFF9E", "\u3099"), ("\uFF76\uFF9E", "\u30AC"),
    ("e\u0301", "\u00E9"), ("e\u0301\u0302", "\u1EBF"), ("\u2460", "1"), ("\u321C", "(\uC8FC)"),
    ("\uFB01", "fi"), ("\u00AD", ""), ("\u212B", "\u00C5"), ("\u3000", " "), ("\u314B", "\u110F"),
]


def tiny_charsmap(rules):
    """<uint32 trie size><units><NUL-terminated replacements>. Each trie node k gets base 256·(k+1), so a
    child on byte c sits at base ^ c = base + c and the leaf (label 0) at base."""
    blob, values = b"", {}
    for key, value in rules:
        values[key.encode()] = len(blob)
        blob += value.encode() + b"\0"
    nodes = [{}]          # children: byte → node index
    leaf = {}             # node index → replacement offset
    for key, value in values.items():
        node = 0
        for c in key:
            if c not in nodes[node]:
                nodes.append({})
                nodes[node][c] = len(nodes) - 1
            node = nodes[node][c]
        leaf[node] = value
    size = 256 * (len(nodes) + 1)
    units = [0] * size
    base = lambda k: 256 * (k + 1)
    position = {0: 0}
    units[0] = (0 ^ base(0)) << 10
    order = [0]
    while order:
        k = order.pop()
        for c, child in nodes[k].items():
            p = base(k) ^ c
            position[child] = p
            units[p] = ((p ^ base(child)) << 10) | ((1 << 8) if child in leaf else 0) | c
            if child in leaf:
                units[base(child)] = (1 << 31) | leaf[child]
            order.append(child)
    trie = b"".join(u.to_bytes(4, "little") for u in units)
    return len(trie).to_bytes(4, "little") + trie + blob


CRAFTED = ["ｶﾞ ｶ ﾞ", "e\u0301 e\u0301\u0302 ế", "\u00ADa\u00ADb", "㈜ ① ﬁ Å", "ㅋㅋㅋ 재밌다ㅋㅋ", "a\u3000\u3000b  c",
           "\u00AD", "<s>\u00ADx</s>"]


def cmd_train_fixtures(args):
    """Two tiny tokenizer.json files trained on NSMC dev lines, plus the reference's output."""
    from tokenizers import models, normalizers, pre_tokenizers, processors, trainers, Regex
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    train = nsmc_lines(600)[:400]
    # Unigram, XLM-R style (Replace + Metaspace + <s> $A </s>); the Precompiled charsmap is too big to commit.
    uni = Tokenizer(models.Unigram())
    uni.normalizer = normalizers.Sequence([normalizers.Replace(Regex(" {2,}"), " ")])
    uni.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    uni.train_from_iterator(train, trainers.UnigramTrainer(
        vocab_size=2000, special_tokens=["<s>", "<pad>", "</s>", "<unk>"], unk_token="<unk>", shrinking_factor=0.75))
    uni.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", uni.token_to_id("<s>")), ("</s>", uni.token_to_id("</s>"))])
    (out / "unigram").mkdir(exist_ok=True)
    uni.save(str(out / "unigram" / "tokenizer.json"))
    # WordPiece, BERT style (cased, no accent stripping, [CLS] $A [SEP] via BertProcessing).
    wp = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    wp.normalizer = normalizers.BertNormalizer(lowercase=False, strip_accents=False)
    wp.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    wp.train_from_iterator(train, trainers.WordPieceTrainer(
        vocab_size=1500, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]))
    wp.post_processor = processors.BertProcessing(("[SEP]", wp.token_to_id("[SEP]")), ("[CLS]", wp.token_to_id("[CLS]")))
    (out / "wordpiece").mkdir(exist_ok=True)
    wp.save(str(out / "wordpiece" / "tokenizer.json"))
    # The Unigram model again behind Precompiled(tiny charsmap) + Replace, as XLM-R files are laid out.
    pre = Tokenizer.from_file(str(out / "unigram" / "tokenizer.json"))
    pre.normalizer = normalizers.Sequence([normalizers.Precompiled(tiny_charsmap(CHARSMAP_RULES)),
                                           normalizers.Replace(Regex(" {2,}"), " ")])
    (out / "unigram-precompiled").mkdir(exist_ok=True)
    pre.save(str(out / "unigram-precompiled" / "tokenizer.json"))
    test = nsmc_lines(800)[600:760] + fuzz_lines(60, seed=7) + CRAFTED
    (out / "lines.txt").write_bytes(("\n".join(test) + "\n").encode("utf-8"))
    for name in ("unigram", "unigram-precompiled", "wordpiece"):
        tok = load(out / name)
        with open(out / name / "expected.jsonl", "w", encoding="utf-8") as f:
            for record in reference(tok, read_lines(out / "lines.txt")):
                f.write(json.dumps(record) + "\n")   # ASCII escapes: Foundation drops a raw U+FEFF
    print(f"fixtures → {out} ({len(test)} lines, tokenizers {tokenizers.__version__})")


def cmd_from_vocab(args):
    """A BERT tokenizer.json built by `tokenizers` from vocab.txt + tokenizer_config.json (BertNormalizer with
    clean_text, handle_chinese_chars, the config's lowercase / strip_accents; BertPreTokenizer; WordPiece;
    [CLS] $A [SEP]), so the same vocabulary is checked through both loaders; with --lines, also expected.jsonl."""
    from tokenizers import models, normalizers, pre_tokenizers, processors
    src = Path(args.vocab_dir)
    config = json.loads((src / "tokenizer_config.json").read_text(encoding="utf-8"))
    lower = bool(config.get("do_lower_case", True))
    strip = config.get("strip_accents")
    strip = lower if strip is None else bool(strip)
    vocab = {}
    for i, piece in enumerate((src / "vocab.txt").read_text(encoding="utf-8").split("\n")):
        if piece and piece not in vocab:
            vocab[piece] = i
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=bool(config.get("tokenize_chinese_chars", True)),
                                                strip_accents=strip, lowercase=lower)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.BertProcessing(("[SEP]", vocab["[SEP]"]), ("[CLS]", vocab["[CLS]"]))
    tok.add_special_tokens([t for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]") if t in vocab])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tok.save(str(out / "tokenizer.json"))
    if args.lines:
        with open(out / "expected.jsonl", "w", encoding="utf-8") as f:
            for record in reference(load(out), read_lines(args.lines)):
                f.write(json.dumps(record) + "\n")
    print(f"{src} (lowercase {lower}, strip_accents {strip}) → {out}/tokenizer.json (tokenizers {tokenizers.__version__})")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("lines"); p.add_argument("--out", required=True)
    p.add_argument("--nsmc", type=int, default=20000); p.add_argument("--fuzz", type=int, default=2000)
    p = sub.add_parser("expected"); p.add_argument("--tokenizer", required=True)
    p.add_argument("--lines", required=True); p.add_argument("--out", required=True)
    p = sub.add_parser("compare"); p.add_argument("--tokenizer", required=True)
    p.add_argument("--lines", required=True); p.add_argument("--kobert", default=".build/debug/kobert")
    p.add_argument("--show", type=int, default=5)
    p = sub.add_parser("train-fixtures"); p.add_argument("--out", default="Tests/Fixtures/tokenizer-json")
    p = sub.add_parser("from-vocab"); p.add_argument("--vocab-dir", required=True)
    p.add_argument("--out", required=True); p.add_argument("--lines")
    args = parser.parse_args()
    result = {"lines": cmd_lines, "expected": cmd_expected, "compare": cmd_compare,
              "train-fixtures": cmd_train_fixtures, "from-vocab": cmd_from_vocab}[args.command](args)
    sys.exit(result or 0)


if __name__ == "__main__":
    main()
