#!/usr/bin/env python3
"""`kobert predict --ids` against transformers on every committed checkpoint fixture (≤ 1e-4).

    swift build --product kobert
    python3 Tools/parity/check_fixtures.py --kobert .build/debug/kobert

Standard library only: the expected outputs are already in Tests/Fixtures/checkpoints/*/expected.json.
Per head: seqcls → "logits", tokcls → per-token "logits", qa → "start_logits" / "end_logits",
base → `--task embed --pooling none` against "last_hidden_state" (real tokens only).
"""
import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "Tests" / "Fixtures" / "checkpoints"
TOLERANCE = 1e-4
TASK = {"seqcls": "nsmc", "tokcls": "ner", "qa": "qa", "base": "embed"}


def flat(value):
    return [x for item in value for x in flat(item)] if isinstance(value, list) else [value]


def lines_for(inputs):
    lines = []
    for row, length in enumerate(inputs["lengths"]):
        item = {"input_ids": inputs["input_ids"][row][:length]}
        if "token_type_ids" in inputs:
            item["token_type_ids"] = inputs["token_type_ids"][row][:length]
        lines.append(json.dumps(item))
    return "\n".join(lines) + "\n"


def check(kobert, folder):
    inputs = json.loads((folder / "inputs.json").read_text())
    expected = json.loads((folder / "expected.json").read_text())
    head = expected["meta"]["head"]
    command = [kobert, "predict", "--model", str(folder), "--task", TASK[head], "--ids", "--pooling", "none"]
    run = subprocess.run(command, input=lines_for(inputs), capture_output=True, text=True)
    if run.returncode != 0:
        return float("inf"), run.stderr.strip()
    worst = 0.0
    for row, line in enumerate(run.stdout.splitlines()):
        answer = json.loads(line)
        if "error" in answer:
            return float("inf"), answer["error"]
        length = inputs["lengths"][row]
        if head == "seqcls":
            pairs = [(answer["logits"], expected["logits"][row])]
        elif head == "tokcls":
            pairs = [(answer["logits"], expected["logits"][row][:length])]
        elif head == "qa":
            pairs = [(answer["start_logits"], expected["start_logits"][row][:length]),
                     (answer["end_logits"], expected["end_logits"][row][:length])]
        else:
            pairs = [(answer["embedding"], expected["last_hidden_state"][row][:length])]
        for got, want in pairs:
            got, want = flat(got), flat(want)
            if len(got) != len(want):
                return float("inf"), f"row {row}: {len(got)} values, expected {len(want)}"
            worst = max(worst, max(abs(a - b) for a, b in zip(got, want)))
    return worst, ""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kobert", default=str(REPO / ".build" / "debug" / "kobert"))
    args = parser.parse_args()
    folders = sorted(p for p in FIXTURES.iterdir() if p.name.startswith(("distilbert-", "bert-")))
    failures = 0
    for folder in folders:
        worst, problem = check(args.kobert, folder)
        ok = worst <= TOLERANCE
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {folder.name}: max |Δ| = {worst:.3g}{'  ' + problem if problem else ''}")
    print(f"{len(folders) - failures}/{len(folders)} fixtures within {TOLERANCE}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
