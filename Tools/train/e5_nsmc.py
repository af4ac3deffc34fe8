"""Stage e5_nsmc: multilingual-e5-small as BertForSequenceClassification (negative / positive) fine-tuned on the
NSMC train reviews in e5's ids, resumable in parts (resumable.py). Dev accuracy of the last step only (no
selection on dev). e5 has no pooler: BertForSequenceClassification's pooler (dense + tanh over <s>) starts random,
as does the classifier."""
import os
import shutil

import numpy as np
import torch
import torch.nn.functional as F
from transformers import BertForSequenceClassification

import e5_data
from batching import padded_batch, select_rows
from finetune_nsmc import ID2LABEL, accuracy
from resumable import freeze_word_embeddings_if_asked, total_steps_of, train
from train_utils import autocast, log, seed_everything


def first_rows(data, limit):
    if not limit or limit >= len(data):
        return data
    keep = np.zeros(len(data), dtype=bool)
    keep[:limit] = True
    return select_rows(data, keep)


def run(cfg, e5_dir, arrays_dir, out_dir, device):
    stage = cfg["nsmc"]
    meta = e5_data.load_meta(arrays_dir)
    seed_everything(cfg["seed"] + 2)
    model = BertForSequenceClassification.from_pretrained(
        e5_dir, num_labels=2, id2label=ID2LABEL, label2id={v: k for k, v in ID2LABEL.items()}).to(device)
    trainable = freeze_word_embeddings_if_asked(model, stage)
    train_rows = first_rows(e5_data.load(arrays_dir, "nsmc_train"), stage["train_limit"])
    dev = first_rows(e5_data.load(arrays_dir, "nsmc_dev"), stage["dev_limit"])
    labels = torch.from_numpy(train_rows["labels"].astype("int64"))
    total = total_steps_of(stage, len(train_rows))
    log(f"e5_nsmc: {len(train_rows)} train reviews, {len(dev)} dev, {total} steps x {stage['batch']}, lr {stage['lr']}, "
        f"{trainable / 1e6:.1f}M trainable weights, prefix {meta['prefix']!r}, {device}")

    def loss_of_rows(rows):
        batch = padded_batch(train_rows, rows, stage["max_length"], meta["cls_id"], meta["sep_id"], meta["pad_id"])
        with autocast(device):
            logits = model(input_ids=batch["input_ids"].to(device), attention_mask=batch["attention_mask"].to(device)).logits
        return F.cross_entropy(logits.float(), labels[rows].to(device))

    state_dir = os.path.join(out_dir, "state")
    result = train(model, stage, total, train_rows.lengths, cfg["seed"] + 2, loss_of_rows, state_dir, "e5_nsmc")
    dev_accuracy = accuracy(model, dev, meta, stage["max_length"], device)
    log(f"e5_nsmc: dev accuracy {dev_accuracy:.2f} on {len(dev)} reviews (last step)")
    model.save_pretrained(os.path.join(out_dir, "model"))
    shutil.copy(os.path.join(e5_dir, "tokenizer.json"), os.path.join(out_dir, "model", "tokenizer.json"))
    shutil.rmtree(state_dir)      # the optimizer state is twice the weights; the finished model is kept
    return {**result, "dev_accuracy": round(dev_accuracy, 2), "dev": len(dev), "train": len(train_rows),
            "trainable_weights": trainable, "prefix": meta["prefix"]}
