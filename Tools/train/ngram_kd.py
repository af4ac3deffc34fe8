#!/usr/bin/env python3
"""NSMC, a last pass on CPU: a fine-tuned student learns from the ensemble of itself and the character n-gram
baseline (Tools/baselines/nsmc_tfidf_logreg.py). The two make different mistakes, so their averaged probabilities
beat either; distillation over unlabeled reviews moves what the n-grams know into the one transformer the runtime
serves, at no cost at inference.

  .venv/bin/python Tools/train/ngram_kd.py SOURCE_DIR OUT_DIR [--labelled 40000 --unlabeled 100000 ...]

The teacher's probability for a review is the mean of the frozen source model's and the n-gram model's. The n-gram
model never scores a review it was fitted on: labelled rows get out-of-fold predictions (--folds), unlabeled and
dev rows a fit on all of train. Loss as in task distillation: alpha_hard * CE(gold) + (1 - alpha_hard) *
KL(teacher || student, T) * T^2; unlabeled rows learn from the teacher only. One pass, the last weights kept (no
selection on dev); dev accuracy of the source, the n-gram model, the ensemble and the result go to OUT_DIR/report.json.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "baselines"))
import shared_data  # noqa: E402
from batching import TokenArrays, bucketed_batches, concat_arrays, padded_batch, select_rows  # noqa: E402
from export import export_folder  # noqa: E402
from nsmc_tfidf_logreg import tfidf_logreg  # noqa: E402
from task_distill import add_pass_options, distilled_loss  # noqa: E402
from train_utils import Schedule, adamw, log, optimizer_step, progress_bar, read_json, seed_everything, write_json  # noqa: E402


@torch.no_grad()
def positive_probability(model, data, meta, max_length, batch_size=256, desc="scoring"):
    model.eval()
    out = np.zeros(len(data))
    order = np.argsort(data.lengths, kind="stable")
    bar = progress_bar(len(data), desc)
    for start in range(0, len(data), batch_size):
        rows = order[start:start + batch_size]
        batch = padded_batch(data, rows, max_length, meta["cls_id"], meta["sep_id"], meta["pad_id"])
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits.float()
        out[rows] = torch.softmax(logits, -1)[:, 1].numpy()
        bar.update(len(rows))
    bar.close()
    return out


def out_of_fold(texts, labels, folds, seed):
    """P(positive) of each labelled review from an n-gram model fitted on the other folds."""
    order = np.random.default_rng(seed).permutation(len(texts))
    out = np.zeros(len(texts))
    for k in range(folds):
        held = order[k::folds]
        fit = np.setdiff1d(order, held)
        model = tfidf_logreg().fit([texts[i] for i in fit], [labels[i] for i in fit])
        out[held] = model.predict_proba([texts[i] for i in held])[:, 1]
        log(f"n-gram fold {k + 1}/{folds} fitted")
    return out


def accuracy(p, labels):
    return round(100.0 * float(np.mean((p > 0.5) == (np.asarray(labels) == 1))), 2)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source_dir", help="a fine-tuned NSMC folder (DistilBertForSequenceClassification)")
    parser.add_argument("out_dir")
    parser.add_argument("--data", default=shared_data.DEFAULT_DATA, help="the shared data folder (default: %(default)s)")
    parser.add_argument("--pretok-dir", default=os.path.join(shared_data.REPO, ".build-train", "pretok"),
                        help="the pretokenize stage's arrays, made with the source model's tokenizer (default: %(default)s)")
    parser.add_argument("--labelled", type=int, default=40_000, help="labelled train reviews in the pass (default: %(default)s)")
    parser.add_argument("--unlabeled", type=int, default=100_000, help="unlabeled reviews in the pass (default: %(default)s)")
    add_pass_options(parser, batch=64, warmup=0.06, max_length=96)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rng = seed_everything(args.seed)
    started = time.time()
    from transformers import AutoModelForSequenceClassification

    meta = read_json(os.path.join(args.pretok_dir, "meta.json"))
    train_texts, train_labels = shared_data.nsmc(args.data, "train")
    dev_texts, dev_labels = shared_data.nsmc(args.data, "dev")
    reviews = shared_data.reviews_without(shared_data.unlabeled_reviews(args.data), dev_texts)
    train = TokenArrays(os.path.join(args.pretok_dir, "nsmc_train.npz"))
    dev = TokenArrays(os.path.join(args.pretok_dir, "nsmc_dev.npz"))
    pretrain = TokenArrays(os.path.join(args.pretok_dir, "pretrain.npz"))
    review_rows = np.flatnonzero(~pretrain["is_wiki"])
    if len(train) != len(train_texts) or len(dev) != len(dev_texts) or len(review_rows) != len(reviews):
        raise SystemExit(f"{args.pretok_dir}: arrays do not match {args.data} (re-run the pretokenize stage)")
    labelled = np.sort(rng.choice(len(train), min(args.labelled, len(train)), replace=False))
    unlabeled = np.sort(rng.choice(len(reviews), min(args.unlabeled, len(reviews)), replace=False))

    log(f"n-gram model: {args.folds}-fold predictions for {len(train):,} labelled reviews, a full fit for the rest")
    ngram_train = out_of_fold(train_texts, train_labels, args.folds, args.seed)[labelled]
    full = tfidf_logreg().fit(train_texts, train_labels)
    ngram_unlabeled = full.predict_proba([reviews[i] for i in unlabeled])[:, 1]
    ngram_dev = full.predict_proba(dev_texts)[:, 1]

    source = AutoModelForSequenceClassification.from_pretrained(args.source_dir, dtype=torch.float32)
    rows = concat_arrays(select_rows(train, np.isin(np.arange(len(train)), labelled)),
                         select_rows(pretrain, np.isin(np.arange(len(pretrain)), review_rows[unlabeled])), -1)
    source_rows = positive_probability(source, rows, meta, args.max_length, desc="source on pass rows")
    source_dev = positive_probability(source, dev, meta, args.max_length, desc="source on dev")
    teacher = (source_rows + np.concatenate([ngram_train, ngram_unlabeled])) / 2
    report = {"source": args.source_dir, "dev_accuracy": {"source": accuracy(source_dev, dev_labels), "ngram": accuracy(ngram_dev, dev_labels),
                                                          "ensemble (teacher)": accuracy((source_dev + ngram_dev) / 2, dev_labels)},
              "labelled": len(labelled), "unlabeled": len(unlabeled), "args": vars(args)}
    log(f"dev accuracy: source {report['dev_accuracy']['source']}, n-gram {report['dev_accuracy']['ngram']}, "
        f"ensemble {report['dev_accuracy']['ensemble (teacher)']}")
    eps = 1e-6
    teacher_logits = torch.from_numpy(np.log(np.stack([1 - teacher, teacher], 1).clip(eps, 1.0))).float()

    model = source   # the student goes on from the source's weights; the teacher's half of it is frozen above
    labels = torch.from_numpy(rows["labels"].astype(np.int64))
    batches = bucketed_batches(rows.lengths, args.batch, rng)
    optimizer = adamw(model, args.lr, betas=(0.9, 0.999), eps=1e-8)
    schedule = Schedule(optimizer, args.lr, args.warmup, len(batches))
    model.train()
    bar = progress_bar(len(batches), "ngram-kd")
    for step, batch_rows in enumerate(batches):
        schedule.next()
        batch = padded_batch(rows, batch_rows, args.max_length, meta["cls_id"], meta["sep_id"], meta["pad_id"])
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
        loss = distilled_loss(logits, teacher_logits[batch_rows], labels[batch_rows], args.temperature, args.alpha_hard)
        optimizer_step(model, optimizer, loss)
        bar.update(1)
        if (step + 1) % 200 == 0:
            log(f"ngram-kd step {step + 1}/{len(batches)} loss {loss.item():.4f} {schedule.elapsed():.0f}s")
    bar.close()
    result_dev = positive_probability(model, dev, meta, args.max_length, desc="result on dev")
    report["dev_accuracy"]["result"] = accuracy(result_dev, dev_labels)
    report.update({"steps": len(batches), "train_s": round(schedule.elapsed(), 1), "wall_s": round(time.time() - started, 1),
                   "files": export_folder(model, args.out_dir, args.source_dir)})
    write_json(os.path.join(args.out_dir, "report.json"), report)
    log(f"{args.out_dir}: dev accuracy {report['dev_accuracy']} ({report['wall_s']}s)")


if __name__ == "__main__":
    main()
