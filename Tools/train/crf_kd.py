#!/usr/bin/env python3
"""Naver NER, a last pass on CPU: a fine-tuned student learns from the ensemble of itself and the word-feature CRF
baseline (Tools/baselines/ner_crf.py). The CRF sees whole words, their prefixes and suffixes, where the student
sees pieces of a tokenizer trained on reviews; their averaged per-word tag probabilities beat either, and
distillation over unlabeled Wikipedia sentences (KorQuAD's paragraphs) moves that into the one transformer served.

  .venv/bin/python Tools/train/crf_kd.py SOURCE_DIR OUT_DIR [--epochs 3 --lr 3e-5 ...]

Teacher: for every word, the mean of the frozen source model's tag distribution (on the word's first piece) and the
CRF's marginal. The CRF never scores a sentence it was fitted on: train sentences get out-of-fold marginals
(--folds), unlabeled and dev sentences a CRF fitted on all 7,000. Loss on first pieces: alpha_hard * CE(gold) +
(1 - alpha_hard) * KL(teacher || student, T) * T^2; unlabeled sentences learn from the teacher only. The last
weights are kept (no selection on dev); dev entity F1 of the source, the CRF, the ensemble and the result go to
OUT_DIR/report.json.
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
from batching import IGNORE, TokenArrays, bucketed_batches, padded_batch  # noqa: E402
from entity_f1 import entity_scores  # noqa: E402
from export import export_folder  # noqa: E402
from finetune_ner import entity_f1  # noqa: E402
from ner_crf import tag_marginals, train_crf  # noqa: E402
from pretokenize import load_tokenizer, ner_arrays  # noqa: E402
from task_distill import add_pass_options, distilled_loss  # noqa: E402
from train_utils import Schedule, adamw, log, optimizer_step, progress_bar, seed_everything, write_json  # noqa: E402


def crf_marginals(train, others, tags, folds, seed, work):
    """Out-of-fold marginals for `train`, full-fit marginals for each list in `others` (word x tag arrays)."""
    order = np.random.default_rng(seed).permutation(len(train))
    train_out = [None] * len(train)
    for k in range(folds):
        held = set(order[k::folds].tolist())
        tagger = train_crf([s for i, s in enumerate(train) if i not in held], os.path.join(work, f"crf-fold{k}.crfsuite"))
        for i in held:
            train_out[i] = np.array(tag_marginals(tagger, train[i][0], tags))
        log(f"CRF fold {k + 1}/{folds} fitted")
    tagger = train_crf(train, os.path.join(work, "crf-all.crfsuite"))
    return train_out, [[np.array(tag_marginals(tagger, words, tags)) for words in sentences] for sentences in others]


@torch.no_grad()
def word_probabilities(model, data, meta, max_length, batch_size=128, desc="scoring"):
    """Per sentence, the model's tag distribution on each word's first piece (words cut off by max_length: none)."""
    model.eval()
    out = [None] * len(data)
    order = np.argsort(data.lengths, kind="stable")
    bar = progress_bar(len(data), desc)
    for start in range(0, len(data), batch_size):
        rows = order[start:start + batch_size]
        batch = padded_batch(data, rows, max_length, meta["cls_id"], meta["sep_id"], meta["pad_id"], data["piece_labels"])
        probs = torch.softmax(model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits.float(), -1)
        for i, r in enumerate(rows):
            out[r] = probs[i, batch["labels"][i] != IGNORE].numpy()
        bar.update(len(rows))
    bar.close()
    return out


def ensemble(model_probs, crf_probs):
    """Mean of the two per-word distributions over the words the model saw."""
    return [(m + c[:len(m)]) / 2 for m, c in zip(model_probs, crf_probs)]


def f1_of(word_probs, sentences, tags):
    predicted = []
    for probs, (words, _) in zip(word_probs, sentences):
        best = [tags[i] for i in probs.argmax(1)] if len(probs) else []
        predicted.append(best + ["O"] * (len(words) - len(best)))
    return round(entity_scores([t for _, t in sentences], predicted)["f1"], 2)


def stack(first, second):
    """Two ner_arrays sets as one TokenArrays (ids, offsets, piece_labels); the second set's first pieces get -1."""
    second_labels = np.where(second["piece_labels"] == IGNORE, IGNORE, -1).astype(np.int8)
    ids = np.concatenate([first["ids"], second["ids"]])
    offsets = np.concatenate([first["offsets"], second["offsets"][1:] + first["offsets"][-1]])
    return TokenArrays(arrays={"ids": ids, "offsets": offsets, "piece_labels": np.concatenate([first["piece_labels"], second_labels])})


def teacher_batch(teacher_log_probs, rows, labels):
    """The teacher's log-probabilities placed on the batch's first pieces (zeros elsewhere: those do not count)."""
    out = torch.zeros(labels.shape + (teacher_log_probs[rows[0]].shape[1],))
    for i, r in enumerate(rows):
        positions = (labels[i] != IGNORE).nonzero().flatten()
        out[i, positions] = torch.from_numpy(teacher_log_probs[r][:len(positions)]).float()
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source_dir", help="a fine-tuned NER folder (DistilBertForTokenClassification)")
    parser.add_argument("out_dir")
    parser.add_argument("--data", default=shared_data.DEFAULT_DATA, help="the shared data folder (default: %(default)s)")
    parser.add_argument("--work", default=os.path.join(shared_data.REPO, ".build-train", "crf-kd"), help="where the CRF model files go (default: %(default)s)")
    parser.add_argument("--epochs", type=int, default=3, help="passes over train + unlabeled sentences (default: %(default)s)")
    add_pass_options(parser, batch=32, warmup=0.1, max_length=128)
    parser.add_argument("--limit", type=int, default=None, help="cut every sentence set to this many (a quick check, not a model)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rng = seed_everything(args.seed)
    started = time.time()
    os.makedirs(args.work, exist_ok=True)
    from transformers import AutoModelForTokenClassification

    tokenizer = load_tokenizer(args.source_dir)
    tags = shared_data.ner_tags(args.data)
    tag_ids = {t: i for i, t in enumerate(tags)}
    train, dev = shared_data.ner_split(args.data)
    unlabeled = [(words, ["O"] * len(words)) for words in shared_data.korquad_sentences(args.data)]
    if args.limit:
        train, dev, unlabeled = train[:args.limit], dev[:args.limit], unlabeled[:args.limit]
    meta = {"cls_id": tokenizer.cls_token_id, "sep_id": tokenizer.sep_token_id, "pad_id": tokenizer.pad_token_id, "ner_tags": tags}
    arrays = {name: TokenArrays(arrays=ner_arrays(tokenizer, sentences, tag_ids, name))
              for name, sentences in (("train", train), ("unlabeled", unlabeled), ("dev", dev))}

    log(f"CRF: {args.folds}-fold marginals for {len(train):,} train sentences, a full fit for {len(unlabeled):,} unlabeled and {len(dev):,} dev")
    crf_train, (crf_unlabeled, crf_dev) = crf_marginals(train, [[w for w, _ in unlabeled], [w for w, _ in dev]], tags,
                                                        args.folds, args.seed, args.work)
    source = AutoModelForTokenClassification.from_pretrained(args.source_dir, dtype=torch.float32)
    if [source.config.id2label[i] for i in range(len(tags))] != tags:
        raise SystemExit(f"{args.source_dir}/config.json: id2label differs from naver-ner/label.txt")
    model_probs = {name: word_probabilities(source, data, meta, args.max_length, desc=f"source on {name}") for name, data in arrays.items()}
    report = {"source": args.source_dir, "dev_entity_f1": {
        "source": f1_of(model_probs["dev"], dev, tags), "crf": f1_of(crf_dev, dev, tags),
        "ensemble (teacher)": f1_of(ensemble(model_probs["dev"], crf_dev), dev, tags)},
        "train": len(train), "unlabeled": len(unlabeled), "args": vars(args)}
    log(f"dev entity F1: {report['dev_entity_f1']}")
    teacher = ensemble(model_probs["train"], crf_train) + ensemble(model_probs["unlabeled"], crf_unlabeled)
    teacher_log_probs = [np.log(np.clip(p, 1e-6, 1.0)) for p in teacher]

    rows = stack(arrays["train"], arrays["unlabeled"])
    model = source   # the student goes on from the source's weights; its half of the teacher was taken above
    per_epoch = -(-len(rows) // args.batch)
    optimizer = adamw(model, args.lr, betas=(0.9, 0.999), eps=1e-8)
    schedule = Schedule(optimizer, args.lr, args.warmup, per_epoch * args.epochs)
    model.train()
    bar = progress_bar(per_epoch * args.epochs, "crf-kd")
    curve = []
    for epoch in range(args.epochs):
        for batch_rows in bucketed_batches(rows.lengths, args.batch, rng):
            schedule.next()
            batch = padded_batch(rows, batch_rows, args.max_length, meta["cls_id"], meta["sep_id"], meta["pad_id"], rows["piece_labels"])
            logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
            soft = teacher_batch(teacher_log_probs, batch_rows, batch["labels"])
            loss = distilled_loss(logits, soft, batch["labels"], args.temperature, args.alpha_hard)
            optimizer_step(model, optimizer, loss)
            bar.update(1)
        scores = entity_f1(model, arrays["dev"], meta, args.max_length, torch.device("cpu"))
        curve.append({"epoch": epoch + 1, "s": round(schedule.elapsed(), 1), "dev_f1": round(scores["f1"], 2)})
        log(f"crf-kd epoch {epoch + 1}: dev entity F1 {scores['f1']:.2f} (P {scores['precision']:.1f} R {scores['recall']:.1f}, {schedule.elapsed():.0f}s)")
    bar.close()
    report["dev_entity_f1"]["result"] = curve[-1]["dev_f1"]
    report.update({"curve": curve, "steps": schedule.step, "train_s": round(schedule.elapsed(), 1),
                   "wall_s": round(time.time() - started, 1), "files": export_folder(model, args.out_dir, args.source_dir)})
    write_json(os.path.join(args.out_dir, "report.json"), report)
    log(f"{args.out_dir}: dev entity F1 {report['dev_entity_f1']} ({report['wall_s']}s)")


if __name__ == "__main__":
    main()
