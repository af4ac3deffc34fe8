"""Stage e5_soft_targets: the fine-tuned NSMC teacher's two logits for every unlabeled review (the NSMC dev reviews
were taken out by e5_pretokenize, as pretokenize.py does), for distillation into the student. Written in chunks of
`chunk_rows` reviews, one .npy each, so an interrupted or budget-cut run resumes at the first missing chunk; the
last call joins them into soft_targets.npz: `logits` float32 (rows, 2), row i = unlabeled review i of
shared_data.reviews_without(unlabeled, dev), the order pretokenize.py's pretrain.npz also keeps."""
import os
import time

import numpy as np
import torch
from transformers import BertForSequenceClassification

import e5_data
from batching import padded_batch
from resumable import PartEnded
from train_utils import autocast, log


@torch.no_grad()
def chunk_logits(model, data, rows, meta, stage, device):
    out = np.zeros((len(rows), 2), dtype=np.float32)
    by_length = rows[np.argsort(data.lengths[rows], kind="stable")]     # similar lengths together: little padding
    position = {r: i for i, r in enumerate(rows)}
    for start in range(0, len(by_length), stage["batch"]):
        batch_rows = by_length[start:start + stage["batch"]]
        batch = padded_batch(data, batch_rows, stage["max_length"], meta["cls_id"], meta["sep_id"], meta["pad_id"])
        with autocast(device):
            logits = model(input_ids=batch["input_ids"].to(device), attention_mask=batch["attention_mask"].to(device)).logits
        out[[position[r] for r in batch_rows]] = logits.float().cpu().numpy()
    return out


def run(cfg, teacher_dir, arrays_dir, out_dir, device):
    stage = cfg["soft_targets"]
    meta = e5_data.load_meta(arrays_dir)
    data = e5_data.load(arrays_dir, "unlabeled")
    model = BertForSequenceClassification.from_pretrained(teacher_dir).to(device).eval()
    if model.config.num_labels != 2:
        raise SystemExit(f"{teacher_dir}: {model.config.num_labels} labels, want the 2-label NSMC teacher")
    chunks = -(-len(data) // stage["chunk_rows"])
    os.makedirs(out_dir, exist_ok=True)
    log(f"e5_soft_targets: {len(data)} unlabeled reviews in {chunks} chunks of {stage['chunk_rows']}, {device}")
    began, computed = time.time(), 0
    for chunk in range(chunks):
        path = os.path.join(out_dir, f"chunk_{chunk:05d}.npy")
        if os.path.exists(path):
            continue
        if computed and stage.get("part_budget_s") and time.time() - began > stage["part_budget_s"]:   # >= 1 chunk a part
            raise PartEnded(f"e5_soft_targets: part budget {stage['part_budget_s']}s spent at chunk {chunk} / {chunks}; run again to go on")
        rows = np.arange(chunk * stage["chunk_rows"], min(len(data), (chunk + 1) * stage["chunk_rows"]))
        np.save(path + ".tmp.npy", chunk_logits(model, data, rows, meta, stage, device))
        os.replace(path + ".tmp.npy", path)
        computed += len(rows)
        log(f"e5_soft_targets: chunk {chunk + 1} / {chunks} ({time.time() - began:.0f}s this part)")
    logits = np.concatenate([np.load(os.path.join(out_dir, f"chunk_{c:05d}.npy")) for c in range(chunks)])
    if logits.shape != (len(data), 2):
        raise SystemExit(f"{out_dir}: chunks hold {logits.shape[0]} rows, want {len(data)}")
    np.savez_compressed(os.path.join(out_dir, "soft_targets.npz"), logits=logits)
    positive = float((logits.argmax(1) == 1).mean())
    return {"rows": len(data), "chunks": chunks, "rows_this_part": computed, "predicted_positive": round(100 * positive, 2),
            "reviews_per_s_this_part": round(computed / max(1e-9, time.time() - began), 1), "teacher": teacher_dir}
