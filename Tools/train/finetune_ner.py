"""Naver NER, two stages sharing this file. `ner_teacher` fine-tunes the 12-layer teacher (GPU presets only); `ner`
fine-tunes the distilled student (DistilBertForTokenClassification) over the 30 tags of label.txt and, when a task
teacher exists, distils its soft tags too. Each word's tag sits on its first piece (KoBERT-NER's scheme), the
model's word tag is read there, and words cut off by max_length count as O. Scored with entity-level F1 on the
fixed 1,000-sentence dev split."""
import os

import numpy as np
import torch
from transformers import AutoModelForTokenClassification

from batching import IGNORE, TokenArrays, bucketed_batches, padded_batch
from entity_f1 import entity_scores
from task_distill import load_task_teacher, task_loss
from train_utils import Schedule, adamw, autocast, log, optimizer_step, progress_bar, read_json, seed_everything


@torch.no_grad()
def entity_f1(model, data, meta, max_length, device, batch_size=128):
    model.eval()
    tags = meta["ner_tags"]
    gold_all, predicted_all = [], []
    by_length = np.argsort(data.lengths, kind="stable")   # similar lengths together: little padding
    for start in range(0, len(data), batch_size):
        rows = by_length[start:start + batch_size]
        batch = padded_batch(data, rows, max_length, meta["cls_id"], meta["sep_id"], meta["pad_id"], data["piece_labels"])
        with autocast(device):
            logits = model(input_ids=batch["input_ids"].to(device), attention_mask=batch["attention_mask"].to(device)).logits
        best = logits.argmax(-1).cpu()
        for i, r in enumerate(rows):
            first_pieces = (batch["labels"][i] != IGNORE).nonzero().flatten()
            gold = [tags[t] for t in data["word_labels"][data["word_offsets"][r]:data["word_offsets"][r + 1]]]
            predicted = [tags[t] for t in best[i, first_pieces].tolist()]
            predicted += ["O"] * (len(gold) - len(predicted))
            gold_all.append(gold)
            predicted_all.append(predicted)
    model.train()
    return entity_scores(gold_all, predicted_all)


def run(cfg, pretok_dir, source_dir, out_dir, device, stage_key="ner", teacher_dir=None):
    stage = cfg[stage_key]
    meta = read_json(os.path.join(pretok_dir, "meta.json"))
    rng = seed_everything(cfg["seed"] + 3)
    id2label = dict(enumerate(meta["ner_tags"]))
    model = AutoModelForTokenClassification.from_pretrained(
        source_dir, num_labels=len(id2label), id2label=id2label, label2id={v: k for k, v in id2label.items()}).to(device)
    teacher = load_task_teacher(teacher_dir, True, device)
    train = TokenArrays(os.path.join(pretok_dir, "ner_train.npz"))
    dev = TokenArrays(os.path.join(pretok_dir, "ner_dev.npz"))
    per_epoch = -(-len(train) // stage["batch"])
    optimizer = adamw(model, stage["lr"], betas=(0.9, 0.999), eps=1e-8)
    schedule = Schedule(optimizer, stage["lr"], stage["warmup"], per_epoch * stage["epochs"], stage["time_budget_s"])
    log(f"{stage_key}: {type(model).__name__}, {len(train)} train, {len(dev)} dev sentences, {len(id2label)} tags, "
        f"{stage['epochs']} epochs x {per_epoch} steps" + (f", distilling {teacher_dir}" if teacher else ""))

    model.train()
    bar = progress_bar(per_epoch * stage["epochs"], stage_key)
    curve, done = [], False
    evaluate_every = max(1, stage["epochs"] // 5)
    for epoch in range(stage["epochs"]):
        for rows in bucketed_batches(train.lengths, stage["batch"], rng):
            if not schedule.next():
                done = True
                break
            batch = padded_batch(train, rows, stage["max_length"], meta["cls_id"], meta["sep_id"], meta["pad_id"], train["piece_labels"])
            with autocast(device):
                logits = model(input_ids=batch["input_ids"].to(device), attention_mask=batch["attention_mask"].to(device)).logits
            gold = batch["labels"].to(device)
            loss = task_loss(logits, gold, teacher, batch, device, stage, IGNORE)
            optimizer_step(model, optimizer, loss)
            bar.update(1)
        if done or (epoch + 1) % evaluate_every == 0 or epoch + 1 == stage["epochs"]:
            scores = entity_f1(model, dev, meta, stage["max_length"], device)
            curve.append({"epoch": round(schedule.step / per_epoch, 2), "s": round(schedule.elapsed(), 1), "dev_f1": round(scores["f1"], 2)})
            log(f"{stage_key} epoch {curve[-1]['epoch']}: dev entity F1 {scores['f1']:.2f} (P {scores['precision']:.1f} R {scores['recall']:.1f}, {schedule.elapsed():.0f}s)")
        if done:
            break
    bar.close()
    model.save_pretrained(out_dir)
    return model, {"steps": schedule.step, "stopped_by": schedule.stopped_by, "train_s": round(schedule.elapsed(), 1), "dev_entity_f1": round(scores["f1"], 2),
                   "dev_precision": round(scores["precision"], 2), "dev_recall": round(scores["recall"], 2),
                   "curve": curve, "train": len(train), "dev": len(dev),
                   "distilled_from": teacher_dir if teacher else None}
