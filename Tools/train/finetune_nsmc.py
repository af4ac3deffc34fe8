"""NSMC sentiment, two stages sharing this file. `nsmc_teacher` fine-tunes the 12-layer teacher on the labelled
reviews (GPU presets only); `nsmc` fine-tunes the distilled student (DistilBertForSequenceClassification,
negative / positive) and, when a task teacher exists, distils it too: gold labels plus the teacher's soft
predictions, over the labelled reviews and the unlabeled ones (never the dev reviews). Length-bucketed batches,
dev accuracy after every epoch (the last epoch's model is kept: no selection on dev)."""
import os

import numpy as np
import torch
from transformers import AutoModelForSequenceClassification

from batching import TokenArrays, bucketed_batches, concat_arrays, padded_batch, select_rows
from task_distill import load_task_teacher, task_loss
from train_utils import Schedule, adamw, autocast, log, optimizer_step, progress_bar, read_json, seed_everything

ID2LABEL = {0: "negative", 1: "positive"}


@torch.no_grad()
def accuracy(model, data, meta, max_length, device, batch_size=256):
    model.eval()
    correct = 0
    labels = torch.from_numpy(data["labels"].astype("int64"))
    by_length = np.argsort(data.lengths, kind="stable")   # similar lengths together: little padding
    for start in range(0, len(data), batch_size):
        rows = by_length[start:start + batch_size]
        batch = padded_batch(data, rows, max_length, meta["cls_id"], meta["sep_id"], meta["pad_id"])
        with autocast(device):
            logits = model(input_ids=batch["input_ids"].to(device), attention_mask=batch["attention_mask"].to(device)).logits
        correct += (logits.argmax(-1).cpu() == labels[rows]).sum().item()
    model.train()
    return 100.0 * correct / len(data)


def training_rows(pretok_dir, with_unlabeled):
    """The labelled train reviews, plus (for distillation) the unlabeled reviews labelled -1."""
    train = TokenArrays(os.path.join(pretok_dir, "nsmc_train.npz"))
    if not with_unlabeled:
        return train
    pretrain = TokenArrays(os.path.join(pretok_dir, "pretrain.npz"))
    return concat_arrays(train, select_rows(pretrain, ~pretrain["is_wiki"]), -1)


def run(cfg, pretok_dir, source_dir, out_dir, device, stage_key="nsmc", teacher_dir=None):
    stage = cfg[stage_key]
    meta = read_json(os.path.join(pretok_dir, "meta.json"))
    rng = seed_everything(cfg["seed"] + 2)
    model = AutoModelForSequenceClassification.from_pretrained(
        source_dir, num_labels=2, id2label=ID2LABEL, label2id={v: k for k, v in ID2LABEL.items()}).to(device)
    teacher = load_task_teacher(teacher_dir, False, device)
    train = training_rows(pretok_dir, teacher is not None and stage.get("unlabeled", False))
    dev = TokenArrays(os.path.join(pretok_dir, "nsmc_dev.npz"))
    labels = torch.from_numpy(train["labels"].astype("int64"))
    per_epoch = -(-len(train) // stage["batch"])
    optimizer = adamw(model, stage["lr"], betas=(0.9, 0.999), eps=1e-8)
    schedule = Schedule(optimizer, stage["lr"], stage["warmup"], per_epoch * stage["epochs"], stage["time_budget_s"])
    log(f"{stage_key}: {type(model).__name__}, {len(train)} train rows ({int((labels >= 0).sum())} labelled), {len(dev)} dev, "
        f"{stage['epochs']} epochs x {per_epoch} steps, lr {stage['lr']}" + (f", distilling {teacher_dir}" if teacher else ""))

    model.train()
    bar = progress_bar(per_epoch * stage["epochs"], stage_key)
    curve, done = [], False
    for epoch in range(stage["epochs"]):
        for rows in bucketed_batches(train.lengths, stage["batch"], rng):
            if not schedule.next():
                done = True
                break
            batch = padded_batch(train, rows, stage["max_length"], meta["cls_id"], meta["sep_id"], meta["pad_id"])
            gold = labels[rows].to(device)
            with autocast(device):
                logits = model(input_ids=batch["input_ids"].to(device), attention_mask=batch["attention_mask"].to(device)).logits
            loss = task_loss(logits, gold, teacher, batch, device, stage)
            optimizer_step(model, optimizer, loss)
            bar.update(1)
        dev_accuracy = accuracy(model, dev, meta, stage["max_length"], device)
        curve.append({"epoch": round(schedule.step / per_epoch, 2), "s": round(schedule.elapsed(), 1), "dev_accuracy": round(dev_accuracy, 2)})
        log(f"{stage_key} epoch {curve[-1]['epoch']}: dev accuracy {dev_accuracy:.2f} ({schedule.elapsed():.0f}s)")
        if done:
            break
    bar.close()
    model.save_pretrained(out_dir)
    return model, {"steps": schedule.step, "stopped_by": schedule.stopped_by, "train_s": round(schedule.elapsed(), 1), "dev_accuracy": curve[-1]["dev_accuracy"],
                   "curve": curve, "train": len(train), "labelled": int((labels >= 0).sum()), "dev": len(dev),
                   "distilled_from": teacher_dir if teacher else None}
