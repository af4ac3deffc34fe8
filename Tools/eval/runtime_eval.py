#!/usr/bin/env python3
"""Score models THROUGH THE SWIFT RUNTIME (`kobert predict`) on the shared dev splits.

  .venv/bin/python Tools/eval/runtime_eval.py nsmc models/nsmc models/nsmc.kbt [--json out.json]
  .venv/bin/python Tools/eval/runtime_eval.py ner  models/ner  models/ner.kbt  [--json out.json]

nsmc: accuracy on nsmc/dev.tsv.zst (10,000 reviews), one review a line into `kobert predict --task nsmc`.
ner:  entity-level F1 (exact type + span, seqeval chunking) on the project's fixed 1,000-sentence dev split
      (Tools/train/shared_data.ner_split). Each sentence goes in as its words joined by single spaces.
      Two scorings, both reported:
        spans  (headline) the runtime's own "entities" (label, start, end in code points of the line) against
               gold entities made from the word tags with Tools/train/entity_f1.entities and mapped to the
               code-point span of their words in the joined line;
        tags   word tags read off the runtime's per-piece "tags" (a word = a piece starting with "▁"; its tag is
               its first piece's, as KoBERT-NER trains it and as Tools/train/evaluate.py scores it), then
               Tools/train/entity_f1.entity_scores on word tag sequences (words lost to truncation read O).

The first model given is the reference: for every later model the table adds agreement with it
(nsmc: fraction of identical labels; ner: F1 difference and fraction of sentences with identical entities).
--max-length defaults to what training/evaluate.py used (nsmc 96, ner 128 pieces incl. [CLS]/[SEP]).
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "Tools", "train"))
import shared_data  # noqa: E402
from entity_f1 import entities, entity_scores  # noqa: E402

DEFAULT_BINARY = os.path.join(REPO, ".build", "release", "kobert")
DEFAULT_MAX_LENGTH = {"nsmc": 96, "ner": 128}


def run_runtime(binary, model, task, lines, threads, batch_size, max_length):
    """One `kobert predict` process over all lines; returns (parsed JSON answers, wall seconds)."""
    for line in lines:
        if "\n" in line or "\r" in line or not line.strip():
            raise SystemExit(f"input line cannot go through stdin as one line: {line[:40]!r}")
    command = [binary, "predict", "--model", model, "--task", task, "--threads", str(threads),
               "--batch-size", str(batch_size), "--max-length", str(max_length)]
    started = time.time()
    proc = subprocess.run(command, input="\n".join(lines) + "\n", capture_output=True, text=True, encoding="utf-8")
    wall = time.time() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)}: exit {proc.returncode}\n{proc.stderr}")
    answers = [json.loads(line) for line in proc.stdout.splitlines()]
    if len(answers) != len(lines):
        raise SystemExit(f"{model}: {len(answers)} answers for {len(lines)} lines")
    errors = [a["error"] for a in answers if "error" in a]
    if errors:
        raise SystemExit(f"{model}: {len(errors)} lines answered an error, first: {errors[0]}")
    return answers, wall, command


def eval_nsmc(args, model):
    texts, labels = shared_data.nsmc(args.data, "dev")
    if args.limit:
        texts, labels = texts[:args.limit], labels[:args.limit]
    answers, wall, command = run_runtime(args.binary, model, "nsmc", texts, args.threads, args.batch_size, args.max_length)
    predicted = []
    for a in answers:
        if a["label"] not in ("negative", "positive"):
            raise SystemExit(f"{model}: unexpected label {a['label']!r}")
        predicted.append(1 if a["label"] == "positive" else 0)
    correct = sum(p == g for p, g in zip(predicted, labels))
    return {"task": "nsmc", "model": model, "dev": len(labels), "dev_accuracy": round(100.0 * correct / len(labels), 2),
            "truncated_lines": sum(1 for a in answers if a.get("truncated")), "wall_s": round(wall, 1),
            "command": " ".join(command) + " < dev reviews"}, predicted


def word_starts(words):
    """Code-point start of each word in ' '.join(words)."""
    starts, position = [], 0
    for word in words:
        starts.append(position)
        position += len(word) + 1
    return starts


def gold_spans(words, tags):
    starts = word_starts(words)
    return {(kind, starts[s], starts[e - 1] + len(words[e - 1])) for kind, s, e in entities(tags)}


def word_tags_from_pieces(answer, n_words):
    """Word tags from per-piece tags: a word begins at a piece starting with '▁' (KoBertTokenizer marks word starts
    that way). Returns (tags padded with O to n_words, number of word starts found)."""
    tags = [tag for piece, tag in zip(answer["tokens"], answer["tags"]) if piece.startswith("▁")]
    found = len(tags)
    return (tags + ["O"] * (n_words - len(tags)))[:n_words], found


def eval_ner(args, model):
    _, dev = shared_data.ner_split(args.data)
    if args.limit:
        dev = dev[:args.limit]
    lines = [" ".join(words) for words, _ in dev]
    answers, wall, command = run_runtime(args.binary, model, "ner", lines, args.threads, args.batch_size, args.max_length)

    tp = n_gold = n_pred = 0
    predicted_span_sets, word_tag_sequences, word_count_mismatch = [], [], 0
    for (words, tags), line, answer in zip(dev, lines, answers):
        gold = gold_spans(words, tags)
        predicted = set()
        for e in answer["entities"]:
            if line[e["start"]:e["end"]] != e["text"]:
                raise SystemExit(f"{model}: entity text {e['text']!r} is not line[{e['start']}:{e['end']}] in {line[:40]!r}")
            predicted.add((e["label"], e["start"], e["end"]))
        tp += len(gold & predicted)
        n_gold += len(gold)
        n_pred += len(predicted)
        predicted_span_sets.append(predicted)
        word_tags, found = word_tags_from_pieces(answer, len(words))
        if found != len(words) and not answer.get("truncated"):
            word_count_mismatch += 1
        word_tag_sequences.append(word_tags)

    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    tag_scores = entity_scores([tags for _, tags in dev], word_tag_sequences)
    # the spans the tag scoring sees, in code points, to check the two scorings see the same entities
    tag_span_sets = [gold_spans(words, t) for (words, _), t in zip(dev, word_tag_sequences)]
    differ = [i for i, (a, b) in enumerate(zip(predicted_span_sets, tag_span_sets)) if a != b]
    result = {"task": "ner", "model": model, "dev": len(dev),
              "dev_entity_f1": round(100 * f1, 2), "precision": round(100 * p, 2), "recall": round(100 * r, 2),
              "gold_entities": n_gold, "predicted_entities": n_pred, "true_positives": tp,
              "tags_scoring": {"dev_entity_f1": round(tag_scores["f1"], 2), "precision": round(tag_scores["precision"], 2),
                               "recall": round(tag_scores["recall"], 2),
                               "predicted_entities": tag_scores["predicted_entities"]},
              "sentences_where_spans_and_tags_scorings_differ": len(differ),
              "of_which_truncated": sum(1 for i in differ if answers[i].get("truncated")),
              "word_count_mismatch_untruncated": word_count_mismatch,
              "truncated_lines": sum(1 for a in answers if a.get("truncated")), "wall_s": round(wall, 1),
              "command": " ".join(command) + " < dev sentences (words joined by ' ')"}
    return result, predicted_span_sets


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("task", choices=["nsmc", "ner"])
    parser.add_argument("models", nargs="+", help="HF folders or .kbt files; the first is the reference for agreement")
    parser.add_argument("--binary", default=DEFAULT_BINARY)
    parser.add_argument("--data", default=shared_data.DEFAULT_DATA)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-length", type=int, default=None, help="pieces incl. [CLS]/[SEP] (default nsmc 96, ner 128)")
    parser.add_argument("--limit", type=int, default=None, help="first N dev items only (smoke test)")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    args.max_length = args.max_length or DEFAULT_MAX_LENGTH[args.task]
    if not os.access(args.binary, os.X_OK):
        raise SystemExit(f"{args.binary}: missing; build it with `swift build -c release --product kobert`")

    results, outputs = [], []
    for model in args.models:
        result, output = (eval_nsmc if args.task == "nsmc" else eval_ner)(args, model)
        results.append(result)
        outputs.append(output)
        print(f"# {model}: done in {result['wall_s']} s", file=sys.stderr)

    reference = outputs[0]
    for result, output in zip(results[1:], outputs[1:]):
        same = sum(a == b for a, b in zip(reference, output))
        if args.task == "nsmc":
            result["agreement_with_reference"] = {"reference": args.models[0], "identical_labels": round(same / len(output), 4)}
        else:
            result["agreement_with_reference"] = {
                "reference": args.models[0],
                "f1_difference": round(result["dev_entity_f1"] - results[0]["dev_entity_f1"], 2),
                "identical_entity_sentences": round(same / len(output), 4)}

    metric = "dev_accuracy" if args.task == "nsmc" else "dev_entity_f1"
    header = f"| model | {'NSMC dev acc' if args.task == 'nsmc' else 'NER dev F1 (P / R) [tags scoring]'} | agreement with {args.models[0]} | wall s |"
    print(header)
    print("| --- | --- | --- | --- |")
    for result in results:
        score = f"{result[metric]:.2f}"
        if args.task == "ner":
            score += f" ({result['precision']:.2f} / {result['recall']:.2f}) [{result['tags_scoring']['dev_entity_f1']:.2f}]"
        agreement = result.get("agreement_with_reference")
        if agreement is None:
            agree = "reference"
        elif args.task == "nsmc":
            agree = f"{100 * agreement['identical_labels']:.2f}% identical labels"
        else:
            agree = f"F1 {agreement['f1_difference']:+.2f}, {100 * agreement['identical_entity_sentences']:.1f}% sentences identical"
        print(f"| {result['model']} | {score} | {agree} | {result['wall_s']} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"task": args.task, "threads": args.threads, "batch_size": args.batch_size,
                       "max_length": args.max_length, "binary": args.binary, "results": results}, f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
