#!/usr/bin/env python3
"""WordPiece fixtures and parity checks against HF `tokenizers` (the independent reference).

  make   : train two ~4,000-piece WordPiece vocabularies on a slice of NSMC's unlabeled reviews with
           `tokenizers` — cased (KLUE/KcBERT style: no lower-casing, accents kept) and uncased with
           accent stripping (mBERT-uncased style: Hangul decomposes into jamo) — and write
           Tests/Fixtures/wordpiece/{cased,uncased}/ (vocab.txt, tokenizer_config.json, expected.jsonl:
           ids and offsets with [CLS]/[SEP], held-out Korean lines, the texts only in korean-lines.txt) and minilm/ (English / mixed / odd-Unicode lines through
           all-MiniLM-L6-v2's vocabulary, pruned to the entries those lines can reach: every other line
           of vocab.txt is left empty so ids stay MiniLM's; the script checks the pruned file gives the
           reference's output unchanged).
  check  : run `kobert tokenize --tokenizer DIR --with-special` on N real NSMC lines that are in no
           fixture and compare ids, tokens and offsets with the reference, for the two trained
           vocabularies and MiniLM's own folder (its full vocab.txt + tokenizer_config.json).
  fuzz   : the same comparison on seeded random strings drawn from all of Unicode (weighted towards
           Hangul, ASCII, combining marks, CJK, whitespace and control scalars, specials).
  bench  : lines/s of `kobert tokenize` vs the reference's encode_batch on one thread.

  PY=/work/wt-quant/.venv/bin/python
  $PY Tools/tokenizer/wordpiece_fixtures.py make --minilm DIR [--retrain]
  $PY Tools/tokenizer/wordpiece_fixtures.py check --kobert .build/release/kobert --minilm DIR [--lines 20000]
  $PY Tools/tokenizer/wordpiece_fixtures.py fuzz --kobert .build/release/kobert --minilm DIR [--lines 20000]
  $PY Tools/tokenizer/wordpiece_fixtures.py bench --kobert .build/release/kobert --minilm DIR
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(REPO, "Tests", "Fixtures", "wordpiece")
DATA = os.path.join(os.path.dirname(REPO), "shared", "data", "nsmc", "unlabeled.txt.zst")
# Disjoint slices of the 662,383 unlabeled reviews.
TRAIN = (0, 100_000)
FIXTURE = (600_000, 600_200)
CHECK_START = 620_000

STYLES = {
    "cased": {"do_lower_case": False, "strip_accents": False, "tokenize_chinese_chars": True},
    "uncased": {"do_lower_case": True, "strip_accents": True, "tokenize_chinese_chars": True},
}

# Hand-written lines for MiniLM: English, Korean/English mixes and Unicode corner cases.
ODD_LINES = [
    "Hello, World! This is a test.",
    "The quick brown fox jumps over the lazy dog.",
    "unaffable playing reorganization antidisestablishmentarianism",
    "I can't believe it's not butter!!! :) ;-)",
    "e-mail: someone@example.com, url: https://example.org/a?b=c&d=e#frag",
    "Prices: $12.50, €9,99, £7 — 50% off (limited)!",
    "naïve café résumé coöperate Ångström façade",
    "İstanbul, DİYARBAKIR, ıiIİ",
    "Straße GROSS ß ẞ ﬁ ﬂ ﬀ",
    "ΣΊΣΥΦΟΣ Σίσυφος ὀδυσσεύς",
    "Москва ЁЛКА ёлка Київ",
    "Arabic: مَرْحَبًا بِكُمْ",
    "Hebrew: שָׁלוֹם",
    "Thai: สวัสดีครับ",
    "Devanagari: नमस्ते दुनिया",
    "東京タワー and 北京 and 서울타워",
    "日本語のテキスト、句読点。「括弧」",
    "한국어와 English가 섞인 문장입니다. BTS 최고!",
    "이 영화 진짜 OST가 good 👍👍",
    "emoji: 😀😃🥰🤣 🇰🇷 👨‍👩‍👧‍👦 ❤️",
    "zero\u200bwidth\u200cjoiners\u200d and soft\u00adhyphen",
    "tabs\tand\u000bvertical\u000cfeeds\u0085next",
    "nbsp\u00a0ideographic\u3000space\u2003em\u2028line\u2029para",
    "NUL\u0000inside and \ufffdreplacement and \u007fdelete",
    "private \ue000\uf8ff use and unassigned \u0378\u0379 and \U000e0001 tags",
    "combining: e\u0301 a\u0308 o\u0302\u0323 n\u0303 (NFD input)",
    "stacked: Z\u0351\u0352\u0353\u0354a\u0355\u0356l\u0357g\u0358o",
    "reordered marks: a\U0001e023\u0359 b\u0f39\u0334\u0316 o\u0301\u0323 end",
    "fullwidth: ＡＢＣ１２３！？ halfwidth: ｱｲｳ",
    "math: 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝐁𝐨𝐥𝐝 ∑∫√∞ ≤≥≠",
    "compat jamo: ㄱㄴㄷ ㅋㅋㅋ ㅠㅠ and conjoining: \u1100\u1161\u11a8",
    "specials: [CLS] [SEP] [MASK] [UNK] [PAD] inline[SEP]glued [cls] [ SEP ]",
    "##ing ## # ### hash#tag",
    "a" * 101 + " " + "b" * 100,
    "supercalifragilisticexpialidocious" * 3,
    "numbers 3.14159 1,000,000 2nd 10th ½ ² ③",
    "quotes: “smart” ‘single’ «guillemets» „low“ ‹›",
    "dashes: – — ― ‐ ‑ ‒ … ‥",
    "brackets: (){}[]<>〈〉《》【】〔〕",
    "punct: !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
    "symbols: © ® ™ ° ± × ÷ § ¶ • ※ ★ ☆ ♥ ♪",
    "Vietnamese: Tiếng Việt có dấu",
    "Polish: Zażółć gęślą jaźń",
    "Icelandic: Þórður Ægir Ðóra",
    "Kana: ｶﾞｷﾞ ガギ か゛",
    "Ideographs ext: 𠀀𠀁 𪜀 㐀 豈",
    "Korean with hanja: 大韓民國 대한민국 國語",
    "  leading and trailing spaces   ",
    "",
    "MiXeD CaSe WoRdS and ALLCAPS and lowercase",
    "x",
]
assert len(ODD_LINES) >= 50


def read_lines(start, stop):
    proc = subprocess.Popen(["zstd", "-dc", DATA], stdout=subprocess.PIPE)
    lines = []
    for index, raw in enumerate(proc.stdout):
        if index >= stop:
            break
        if index >= start:
            lines.append(raw.decode("utf-8").rstrip("\n"))
    proc.kill()
    proc.wait()
    return lines


def reference_from_folder(folder, style):
    from tokenizers import BertWordPieceTokenizer
    return BertWordPieceTokenizer(os.path.join(folder, "vocab.txt"), clean_text=True,
                                  handle_chinese_chars=style["tokenize_chinese_chars"],
                                  strip_accents=style["strip_accents"], lowercase=style["do_lower_case"])


def minilm_reference(minilm):
    from tokenizers import Tokenizer
    tokenizer = Tokenizer.from_file(os.path.join(minilm, "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


def record(encoding, text, pair=None):
    # Tokens are left out to keep the files small: a WordPiece token is its id's vocab.txt line (the
    # test reads them there; `check` compares the reference's token strings themselves).
    out = {"text": text, "ids": encoding.ids, "offsets": [x for span in encoding.offsets for x in span]}
    if pair is not None:
        out["pair"] = pair
        out["type_ids"] = encoding.type_ids
    return out


def write_jsonl(path, records):
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")


def make(args):
    from tokenizers import BertWordPieceTokenizer
    training = read_lines(*TRAIN)
    held_out = [line for line in read_lines(*FIXTURE) if line.strip()]
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "korean-lines.txt"), "w", encoding="utf-8") as f:
        f.write("".join(line + "\n" for line in held_out))
    for name, style in STYLES.items():
        folder = os.path.join(OUT, name)
        os.makedirs(folder, exist_ok=True)
        if args.retrain or not os.path.exists(os.path.join(folder, "vocab.txt")):
            # Training is not deterministic (ties between equally frequent pairs), so a committed
            # vocabulary is kept unless --retrain asks for a new one.
            trainer = BertWordPieceTokenizer(clean_text=True, handle_chinese_chars=True,
                                             strip_accents=style["strip_accents"], lowercase=style["do_lower_case"])
            trainer.train_from_iterator(training, vocab_size=4000, min_frequency=2, limit_alphabet=1500)
            trainer.save_model(folder)
        with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
            json.dump(dict(style, tokenizer_class="BertTokenizer"), f, indent=1)
            f.write("\n")
        reference = reference_from_folder(folder, style)   # reloaded from the files, as a user has them
        records = [record(reference.encode(line), line) for line in held_out]
        for a, b in zip(held_out[:20], held_out[20:40]):
            records.append(record(reference.encode(a, b), a, b))
        for max_length in (3, 8, 17, 24):   # tokenizers' longest-first truncation, single and pair
            reference.enable_truncation(max_length=max_length)
            for a, b in zip(held_out[40:43], held_out[43:46]):
                records.append(dict(record(reference.encode(a), a), max_length=max_length))
                records.append(dict(record(reference.encode(a, b), a, b), max_length=max_length))
            reference.no_truncation()
        for r in records:   # the texts are korean-lines.txt's; a record names its line(s)
            r["line"] = held_out.index(r.pop("text"))
            if "pair" in r:
                r["pair_line"] = held_out.index(r.pop("pair"))
        write_jsonl(os.path.join(folder, "expected.jsonl"), records)

    # MiniLM: keep only the vocab entries a lookup on these lines can reach.
    reference = minilm_reference(args.minilm)
    normalizer, pre = reference.normalizer, reference.pre_tokenizer
    reachable = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}
    for line in ODD_LINES:
        for word, _ in pre.pre_tokenize_str(normalizer.normalize_str(line)):
            for i in range(len(word)):
                for j in range(i + 1, len(word) + 1):
                    reachable.add(word[i:j] if i == 0 else "##" + word[i:j])
    with open(os.path.join(args.minilm, "vocab.txt"), encoding="utf-8") as f:
        full = f.read().split("\n")
    if full and full[-1] == "":
        full.pop()
    folder = os.path.join(OUT, "minilm")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "vocab.txt"), "w", encoding="utf-8") as f:
        for token in full:
            f.write((token if token.rstrip() in reachable else "") + "\n")
    with open(os.path.join(args.minilm, "tokenizer_config.json")) as f:
        config = json.load(f)
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump({k: config[k] for k in ("do_lower_case", "strip_accents", "tokenize_chinese_chars",
                                          "unk_token", "sep_token", "pad_token", "cls_token", "mask_token")}, f, indent=1)
        f.write("\n")
    pruned = reference_from_folder(folder, {"do_lower_case": True, "strip_accents": None, "tokenize_chinese_chars": True})
    records = []
    for line in ODD_LINES:
        expected = reference.encode(line)
        again = pruned.encode(line)
        assert (again.ids, again.tokens, again.offsets) == (expected.ids, expected.tokens, expected.offsets), line
        records.append(record(expected, line))
    records.append(record(reference.encode(ODD_LINES[0], ODD_LINES[17]), ODD_LINES[0], ODD_LINES[17]))
    write_jsonl(os.path.join(folder, "expected.jsonl"), records)
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    print(f"{OUT}: {len(held_out)} held-out lines, {len(ODD_LINES)} MiniLM lines, {total} bytes", file=sys.stderr)


def targets(args):
    """(name, folder for kobert, reference tokenizer)"""
    out = []
    for name, style in STYLES.items():
        folder = os.path.join(OUT, name)
        out.append((name, folder, reference_from_folder(folder, style)))
    out.append(("minilm-full", args.minilm, minilm_reference(args.minilm)))
    return out


def check_lines(count):
    lines = [line for line in read_lines(CHECK_START, CHECK_START + count * 2) if "\r" not in line]
    return lines[:count]


def run_kobert(kobert, folder, lines):
    with tempfile.TemporaryFile() as f:
        f.write(("\n".join(lines) + "\n").encode("utf-8"))
        f.seek(0)
        started = time.perf_counter()
        result = subprocess.run([kobert, "tokenize", "--tokenizer", folder, "--with-special"], stdin=f,
                                stdout=subprocess.PIPE, check=True)
        elapsed = time.perf_counter() - started
    return [json.loads(x) for x in result.stdout.decode("utf-8").split("\n") if x], elapsed


def fuzz_lines(count, seed=15):
    import random
    rng = random.Random(seed)
    pools = [
        (0.25, lambda: chr(rng.randrange(0x20, 0x7F))),
        (0.20, lambda: chr(rng.randrange(0xAC00, 0xD7A4))),
        (0.08, lambda: chr(rng.randrange(0x300, 0x370))),
        (0.08, lambda: chr(rng.choice([0x1100, 0x3131, 0x4E00, 0x3400, 0xF900, 0xFF01, 0x3040]) + rng.randrange(0x60))),
        (0.12, lambda: chr(rng.randrange(0x80, 0xD800))),   # the BMP below the surrogates
        (0.07, lambda: chr(rng.randrange(0x10000, 0x110000))),
        (0.10, lambda: rng.choice(["\t", "\r", " ", "\u00a0", "\u3000", "\u2028", "\u200b", "\u0000", "\ufffd", "\u0085", "\u000b", "\u001f", "\u00ad", "\u2003"])),
        (0.10, lambda: rng.choice(["[SEP]", "[CLS]", "[UNK]", "[MASK]", "[PAD]", "##", "#", "İ", "ẞ", "ß", "Σ", "ǅ", "ﬃ", "\u0130\u0301"])),
    ]
    weights = [w for w, _ in pools]
    lines = []
    for _ in range(count):
        length = rng.randrange(1, 80)
        lines.append("".join(rng.choices(pools, weights)[0][1]() for _ in range(length)))
    return lines


def compare(args, lines, label):
    failed = False
    for name, folder, reference in targets(args):
        ours, _ = run_kobert(args.kobert, folder, lines)
        assert len(ours) == len(lines), (name, len(ours), len(lines))
        mismatches, tokens = [], 0
        for line, got in zip(lines, ours):
            expected = reference.encode(line)
            offsets = [tuple(o) if o is not None else (0, 0) for o in got["offsets"]]
            tokens += len(expected.ids)
            if got["ids"] != expected.ids or got["tokens"] != expected.tokens or offsets != list(expected.offsets):
                mismatches.append((line, got["tokens"], expected.tokens, offsets, expected.offsets))
        print(f"{name} ({label}): {len(lines)} lines, {tokens} tokens, {len(mismatches)} mismatching lines")
        for m in mismatches[:3]:
            print("  ", json.dumps(m, ensure_ascii=True)[:800])
        failed |= bool(mismatches)
    return failed


def fuzz(args):
    sys.exit(1 if compare(args, fuzz_lines(args.lines), "fuzz") else 0)


def check(args):
    sys.exit(1 if compare(args, check_lines(args.lines), "NSMC") else 0)


def bench(args):
    os.environ["RAYON_NUM_THREADS"] = "1"
    lines = check_lines(args.lines)
    for name, folder, reference in targets(args):
        run_kobert(args.kobert, folder, lines[:1000])   # warm the page cache
        _, ours = run_kobert(args.kobert, folder, lines)
        started = time.perf_counter()
        reference.encode_batch(lines)
        theirs = time.perf_counter() - started
        print(f"{name}: kobert tokenize {len(lines) / ours:,.0f} lines/s (whole process, JSON out), "
              f"tokenizers encode_batch 1 thread {len(lines) / theirs:,.0f} lines/s")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["make", "check", "fuzz", "bench"])
    parser.add_argument("--minilm", required=True, help="folder with MiniLM's vocab.txt, tokenizer.json, tokenizer_config.json")
    parser.add_argument("--kobert", default=os.path.join(REPO, ".build", "release", "kobert"))
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--retrain", action="store_true", help="make: train new vocabularies even if committed ones exist")
    args = parser.parse_args()
    {"make": make, "check": check, "fuzz": fuzz, "bench": bench}[args.mode](args)


if __name__ == "__main__":
    main()
