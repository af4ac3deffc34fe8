"""Stage e5_ner: multilingual-e5-small as BertForTokenClassification over label.txt's tags, fine-tuned on the
project's 7,000 NER train sentences (shared_data.ner_split) in e5's ids, the word's tag on its first piece and
-100 on the rest, resumable in parts (resumable.py). Entity-level F1 (entity_f1.py, via finetune_ner.entity_f1)
on the 1,000 dev sentences, last step only."""
import os
import shutil

import torch.nn.functional as F
from transformers import BertForTokenClassification

import e5_data
from batching import IGNORE, padded_batch
from finetune_ner import entity_f1
from resumable import freeze_word_embeddings_if_asked, total_steps_of, train
from train_utils import autocast, log, seed_everything


def run(cfg, e5_dir, arrays_dir, out_dir, device):
    stage = cfg["ner"]
    meta = e5_data.load_meta(arrays_dir)
    seed_everything(cfg["seed"] + 3)
    id2label = dict(enumerate(meta["ner_tags"]))
    model = BertForTokenClassification.from_pretrained(
        e5_dir, num_labels=len(id2label), id2label=id2label, label2id={v: k for k, v in id2label.items()}).to(device)
    trainable = freeze_word_embeddings_if_asked(model, stage)
    train_rows = e5_data.load(arrays_dir, "ner_train")      # all 7,000 sentences: the step count bounds the smoke run
    dev = e5_data.load(arrays_dir, "ner_dev")                # always scored whole
    total = total_steps_of(stage, len(train_rows))
    log(f"e5_ner: {len(train_rows)} train, {len(dev)} dev sentences, {len(id2label)} tags, {total} steps x {stage['batch']}, "
        f"lr {stage['lr']}, {trainable / 1e6:.1f}M trainable weights, {device}")

    def loss_of_rows(rows):
        batch = padded_batch(train_rows, rows, stage["max_length"], meta["cls_id"], meta["sep_id"], meta["pad_id"], train_rows["piece_labels"])
        with autocast(device):
            logits = model(input_ids=batch["input_ids"].to(device), attention_mask=batch["attention_mask"].to(device)).logits
        return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), batch["labels"].to(device).reshape(-1), ignore_index=IGNORE)

    state_dir = os.path.join(out_dir, "state")
    result = train(model, stage, total, train_rows.lengths, cfg["seed"] + 3, loss_of_rows, state_dir, "e5_ner")
    scores = entity_f1(model, dev, meta, stage["max_length"], device)
    log(f"e5_ner: dev entity F1 {scores['f1']:.2f} (P {scores['precision']:.1f} R {scores['recall']:.1f}), last step")
    model.save_pretrained(os.path.join(out_dir, "model"))
    shutil.copy(os.path.join(e5_dir, "tokenizer.json"), os.path.join(out_dir, "model", "tokenizer.json"))
    shutil.rmtree(state_dir)
    return {**result, "dev_entity_f1": round(scores["f1"], 2), "dev_precision": round(scores["precision"], 2),
            "dev_recall": round(scores["recall"], 2), "dev": len(dev), "train": len(train_rows), "trainable_weights": trainable}
