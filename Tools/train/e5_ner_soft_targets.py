"""Stage e5_ner_soft_targets: the fine-tuned NER teacher's tag logits for every word — read at the word's first
piece, as the tagger is trained — over the 7,000 NER train sentences and the KorQuAD sentences
(shared_data.korquad_sentences: unlabeled Wikipedia text). Targets are per word, not per piece, because the student's
tokenizer (KoBERT's 8,002 pieces) cuts words differently from e5's; both tokenize the same space-separated words, so
word i of a sentence is the same word on both sides and the student reads its target at its own first piece of that
word. Per set, `SET.npz` holds `logits` float32 (words, tags), `scored` (False for a word cut off by max_length) and
`word_offsets` (sentence s = words word_offsets[s]:word_offsets[s+1], sentences in shared_data's order). Chunks of
`chunk_sentences` are saved as they finish, so a cut run resumes at the first missing chunk."""
import os
import time

import numpy as np
import torch
from transformers import BertForTokenClassification

import e5_data
import shared_data
from batching import TokenArrays, padded_batch
from resumable import PartEnded
from train_utils import autocast, log


def first_sentences(arrays, limit):
    """The first `limit` sentences of a word-level array set (ids, offsets, first_piece, word_offsets)."""
    if not limit or limit >= len(arrays["offsets"]) - 1:
        return arrays
    pieces, words = arrays["offsets"][limit], arrays["word_offsets"][limit]
    return {"ids": arrays["ids"][:pieces], "offsets": arrays["offsets"][:limit + 1], "first_piece": arrays["first_piece"][:pieces],
            "word_offsets": arrays["word_offsets"][:limit + 1]}


def sets(cfg, data, teacher_dir, arrays_dir, meta):
    stage = cfg["ner_soft_targets"]
    train = e5_data.load(arrays_dir, "ner_train")
    yield "train", first_sentences({"ids": train["ids"], "offsets": train["offsets"], "first_piece": train["piece_labels"] != -100,
                                    "word_offsets": train["word_offsets"]}, stage["train_limit"])
    tokenizer = e5_data.load_tokenizer(teacher_dir)
    korquad = shared_data.korquad_sentences(data)[:stage["korquad_limit"] or None]
    yield "korquad", e5_data.word_arrays(tokenizer, korquad, meta["prefix"], meta["unk_id"])


@torch.no_grad()
def word_logits(model, arrays, sentences, meta, stage, device):
    """Logits (words, tags) and `scored` for sentences[0]..sentences[-1] (a contiguous range)."""
    data = TokenArrays(arrays={"ids": arrays["ids"], "offsets": arrays["offsets"]})
    first_word = arrays["word_offsets"][sentences[0]]
    words = arrays["word_offsets"][sentences[-1] + 1] - first_word
    logits = np.zeros((words, model.config.num_labels), dtype=np.float32)
    scored = np.zeros(words, dtype=bool)
    for start in range(0, len(sentences), stage["batch"]):
        rows = sentences[start:start + stage["batch"]]
        batch = padded_batch(data, rows, stage["max_length"], meta["cls_id"], meta["sep_id"], meta["pad_id"])
        with autocast(device):
            out = model(input_ids=batch["input_ids"].to(device), attention_mask=batch["attention_mask"].to(device)).logits.float().cpu().numpy()
        for i, r in enumerate(rows):
            body = np.flatnonzero(arrays["first_piece"][arrays["offsets"][r]:arrays["offsets"][r + 1]])
            body = body[body < stage["max_length"] - 2]           # first pieces that survived the cut
            at = arrays["word_offsets"][r] - first_word
            logits[at:at + len(body)] = out[i, body + 1]           # + 1: <s>
            scored[at:at + len(body)] = True
    return logits, scored


def run(cfg, data, teacher_dir, arrays_dir, out_dir, device):
    stage = cfg["ner_soft_targets"]
    meta = e5_data.load_meta(arrays_dir)
    model = BertForTokenClassification.from_pretrained(teacher_dir).to(device).eval()
    if model.config.num_labels != len(meta["ner_tags"]):
        raise SystemExit(f"{teacher_dir}: {model.config.num_labels} labels, label.txt has {len(meta['ner_tags'])}")
    os.makedirs(out_dir, exist_ok=True)
    began, result, done_this_part = time.time(), {"sets": {}}, 0
    for name, arrays in sets(cfg, data, teacher_dir, arrays_dir, meta):
        count = len(arrays["offsets"]) - 1
        chunks = -(-count // stage["chunk_sentences"])
        for chunk in range(chunks):
            path = os.path.join(out_dir, f"{name}_{chunk:05d}.npz")
            if os.path.exists(path):
                continue
            if done_this_part and stage.get("part_budget_s") and time.time() - began > stage["part_budget_s"]:   # >= 1 chunk a part
                raise PartEnded(f"e5_ner_soft_targets: part budget {stage['part_budget_s']}s spent at {name} chunk {chunk} / {chunks}; run again to go on")
            sentences = np.arange(chunk * stage["chunk_sentences"], min(count, (chunk + 1) * stage["chunk_sentences"]))
            logits, scored = word_logits(model, arrays, sentences, meta, stage, device)
            np.savez(path + ".tmp.npz", logits=logits, scored=scored)
            os.replace(path + ".tmp.npz", path)
            done_this_part += 1
            log(f"e5_ner_soft_targets: {name} chunk {chunk + 1} / {chunks} ({time.time() - began:.0f}s this part)")
        parts = [np.load(os.path.join(out_dir, f"{name}_{c:05d}.npz")) for c in range(chunks)]
        logits = np.concatenate([p["logits"] for p in parts])
        scored = np.concatenate([p["scored"] for p in parts])
        if len(logits) != arrays["word_offsets"][-1]:
            raise SystemExit(f"{out_dir}: {name} chunks hold {len(logits)} words, want {arrays['word_offsets'][-1]}")
        np.savez_compressed(os.path.join(out_dir, f"{name}.npz"), logits=logits, scored=scored, word_offsets=arrays["word_offsets"])
        tagged = float((logits[scored].argmax(1) > 1).mean()) if scored.any() else 0.0   # ids 0, 1: UNK, O
        result["sets"][name] = {"sentences": count, "words": len(logits), "unscored_words": int((~scored).sum()),
                                "words_tagged_as_entity_pct": round(100 * tagged, 2)}
    result["words"] = sum(s["words"] for s in result["sets"].values())
    result["teacher"] = teacher_dir
    return result
