"""Stage 4: NSMC sentiment. DistilBertForSequenceClassification (negative / positive) on the distilled student,
length-bucketed batches, dev accuracy after every epoch (the last epoch's model is kept: no selection on dev)."""
import os

import numpy as np
import torch
import torch.nn.functional as F
from transformers import DistilBertForSequenceClassification

from batching import TokenArrays, bucketed_batches, padded_batch
from train_utils import Schedule, adamw, autocast, log, progress_bar, read_json, seed_everything

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


def run(cfg, pretok_dir, student_dir, out_dir, device):
    stage = cfg["nsmc"]
    meta = read_json(os.path.join(pretok_dir, "meta.json"))
    rng = seed_everything(cfg["seed"] + 2)
    model = DistilBertForSequenceClassification.from_pretrained(
        student_dir, num_labels=2, id2label=ID2LABEL, label2id={v: k for k, v in ID2LABEL.items()}).to(device)
    train = TokenArrays(os.path.join(pretok_dir, "nsmc_train.npz"))
    dev = TokenArrays(os.path.join(pretok_dir, "nsmc_dev.npz"))
    labels = torch.from_numpy(train["labels"].astype("int64"))
    per_epoch = -(-len(train) // stage["batch"])
    optimizer = adamw(model, stage["lr"], betas=(0.9, 0.999), eps=1e-8)
    schedule = Schedule(optimizer, stage["lr"], stage["warmup"], per_epoch * stage["epochs"], stage["time_budget_s"])
    log(f"nsmc: {len(train)} train, {len(dev)} dev, {stage['epochs']} epochs x {per_epoch} steps, lr {stage['lr']}")

    model.train()
    bar = progress_bar(per_epoch * stage["epochs"], "nsmc")
    curve, done = [], False
    for epoch in range(stage["epochs"]):
        for rows in bucketed_batches(train.lengths, stage["batch"], rng):
            if not schedule.next():
                done = True
                break
            batch = padded_batch(train, rows, stage["max_length"], meta["cls_id"], meta["sep_id"], meta["pad_id"])
            with autocast(device):
                logits = model(input_ids=batch["input_ids"].to(device), attention_mask=batch["attention_mask"].to(device)).logits
            loss = F.cross_entropy(logits.float(), labels[rows].to(device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            bar.update(1)
        dev_accuracy = accuracy(model, dev, meta, stage["max_length"], device)
        curve.append({"epoch": round(schedule.step / per_epoch, 2), "s": round(schedule.elapsed(), 1), "dev_accuracy": round(dev_accuracy, 2)})
        log(f"nsmc epoch {curve[-1]['epoch']}: dev accuracy {dev_accuracy:.2f} ({schedule.elapsed():.0f}s)")
        if done:
            break
    bar.close()
    model.save_pretrained(out_dir)
    return model, {"steps": schedule.step, "stopped_by": schedule.stopped_by, "train_s": round(schedule.elapsed(), 1), "dev_accuracy": curve[-1]["dev_accuracy"],
                   "curve": curve, "train": len(train), "dev": len(dev)}
