#!/usr/bin/env python3
"""Prune a Unigram tokenizer.json model's vocabulary (and its embedding rows) to the pieces a corpus reaches.

    .venv/bin/python Tools/convert/prune_vocab.py HF_DIR OUT_DIR --corpus FILE [--corpus FILE …] \\
        [--prefix "query: " --prefix "passage: "] [--no-single-characters] [--check FILE --check-count 300]

XLM-R-family models (multilingual-e5-small: 250,002 pieces × 384) spend most of their bytes on embedding rows a
Korean service never reads. Kept: every piece the tokenizer emits on the corpus lines (each with every --prefix,
as the model card asks for "query: " / "passage: "), the added and template special tokens, the unknown piece,
and (unless --no-single-characters) every one-character piece, so unseen text falls back to characters rather
than to <unk>. Ids keep their order (so <s> <pad> </s> <unk> stay 0–3); tokenizer.json, config.json
(vocab_size) and the word-embedding rows of model.safetensors are rewritten; nothing else changes.

Why the outputs are identical on text that uses only kept pieces: removing a piece removes Viterbi paths but
never improves another, so a best path of kept pieces stays best (a tie with a removed path can only resolve
to the kept one). --check measures it on held-out lines: ids (remapped) and the last hidden state against the
unpruned folder, both through `tokenizers` and transformers.
"""
import argparse, json, shutil, sys
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file
from tokenizers import Tokenizer

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("folder"); ap.add_argument("out")
ap.add_argument("--corpus", action="append", required=True, help="UTF-8 text, one input a line (repeatable)")
ap.add_argument("--prefix", action="append", default=None, help="prepended to every corpus line (repeatable; default none)")
ap.add_argument("--no-single-characters", action="store_true", help="keep only what the corpus reaches")
ap.add_argument("--check", help="held-out lines to compare pruned and unpruned on (not part of --corpus)")
ap.add_argument("--check-count", type=int, default=300)
args = ap.parse_args()
src, out = Path(args.folder), Path(args.out)
if out.resolve() == src.resolve(): sys.exit("OUT_DIR must differ from HF_DIR")

spec = json.loads((src / "tokenizer.json").read_text(encoding="utf-8"))
model = spec["model"]
if model.get("type") != "Unigram": sys.exit(f"{src}/tokenizer.json: model {model.get('type')}: only Unigram vocabularies are pruned")
vocab = model["vocab"]
tokenizer = Tokenizer.from_file(str(src / "tokenizer.json"))
tokenizer.no_truncation(); tokenizer.no_padding()

keep = {model["unk_id"]} | {t["id"] for t in spec.get("added_tokens", [])}
post = spec.get("post_processor") or {}
for special in (post.get("special_tokens") or {}).values(): keep.update(special.get("ids", []))
if not args.no_single_characters:
    keep.update(i for i, (piece, _) in enumerate(vocab) if len(piece.lstrip("▁") or piece) == 1)
lines = 0
for path in args.corpus:
    texts = [l.rstrip("\n") for l in open(path, encoding="utf-8") if l.strip()]
    for prefix in (args.prefix or [""]):
        for encoding in tokenizer.encode_batch([prefix + t for t in texts]):
            keep.update(encoding.ids)
    lines += len(texts)
kept = sorted(i for i in keep if 0 <= i < len(vocab))
new_id = {old: new for new, old in enumerate(kept)}
print(f"{lines} corpus lines × {len(args.prefix or [''])} prefixes: {len(kept)} of {len(vocab)} pieces kept")

# tokenizer.json: the vocab list in id order, and every id the file names.
model["vocab"] = [vocab[i] for i in kept]
model["unk_id"] = new_id[model["unk_id"]]
for token in spec.get("added_tokens", []): token["id"] = new_id[token["id"]]
for special in (post.get("special_tokens") or {}).values(): special["ids"] = [new_id[i] for i in special.get("ids", [])]
if post.get("type") in ("RobertaProcessing", "BertProcessing"):
    for key in ("cls", "sep"): post[key] = [post[key][0], new_id[post[key][1]]]

out.mkdir(parents=True, exist_ok=True)
(out / "tokenizer.json").write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
config = json.loads((src / "config.json").read_text())
weights = load_file(str(src / "model.safetensors"))
names = [n for n in weights if n.endswith("word_embeddings.weight")]
if len(names) != 1: sys.exit(f"{src}/model.safetensors: expected one word_embeddings table, found {names}")
table = weights[names[0]]
if table.shape[0] < len(vocab): sys.exit(f"{names[0]} has {table.shape[0]} rows for {len(vocab)} pieces")
weights[names[0]] = np.ascontiguousarray(table[kept])
config["vocab_size"] = len(kept)
if "pad_token_id" in config and config["pad_token_id"] is not None: config["pad_token_id"] = new_id[config["pad_token_id"]]
(out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
save_file(weights, str(out / "model.safetensors"))
(out / "model.safetensors").chmod(0o644)   # safetensors writes 0600; the folder is meant to be shared like its source
for extra in src.iterdir():
    if extra.name not in ("tokenizer.json", "config.json", "model.safetensors") and extra.is_file():
        shutil.copy2(extra, out / extra.name)
print(f"wrote {out}: {names[0]} {table.shape[0]} → {len(kept)} rows "
      f"({table.nbytes / 1e6:.1f} → {weights[names[0]].nbytes / 1e6:.1f} MB fp32)")

if args.check:
    import torch, transformers
    pruned = Tokenizer.from_file(str(out / "tokenizer.json")); pruned.no_truncation(); pruned.no_padding()
    texts = [l.rstrip("\n") for l in open(args.check, encoding="utf-8") if l.strip()][:args.check_count]
    prefix = (args.prefix or [""])[0]
    a = transformers.AutoModel.from_pretrained(src).eval(); b = transformers.AutoModel.from_pretrained(out).eval()
    covered = same_ids = 0; worst = 0.0
    for text in texts:
        old = tokenizer.encode(prefix + text).ids[:512]; new = pruned.encode(prefix + text).ids[:512]
        if not all(i in new_id for i in old): continue
        covered += 1
        same_ids += [new_id[i] for i in old] == new
        with torch.inference_mode():
            ha = a(input_ids=torch.tensor([old])).last_hidden_state; hb = b(input_ids=torch.tensor([new])).last_hidden_state
        worst = max(worst, float((ha - hb).abs().max()))
    print(f"check on {len(texts)} held-out lines: {covered} use only kept pieces; ids identical (remapped) on "
          f"{same_ids} of them; last hidden state max |Δ| {worst:.1e}")
