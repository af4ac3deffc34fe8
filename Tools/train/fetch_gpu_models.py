#!/usr/bin/env python3
"""Rejoin the models a device call returned (name.tar.part* + metrics.json in one folder), check their sha256
against metrics.json, and install them as models/nsmc and models/ner (or --dest).

  .venv/bin/python Tools/train/fetch_gpu_models.py /work/.device/2 [--dest models] [--only nsmc,ner]
"""
import argparse
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export import reassemble  # noqa: E402
from shared_data import REPO  # noqa: E402
from train_utils import read_json  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("returned", help="folder holding metrics.json and the .tar.part files")
    parser.add_argument("--dest", default=os.path.join(REPO, "models"))
    parser.add_argument("--only", default="nsmc,ner")
    args = parser.parse_args()
    stages = read_json(os.path.join(args.returned, "metrics.json"))["stages"]
    for name in args.only.split(","):
        published = stages.get(name, {}).get("published")
        if not published:
            raise SystemExit(f"{args.returned}/metrics.json: no published {name} model")
        target = os.path.join(args.dest, name)
        staging = target + ".incoming"
        shutil.rmtree(staging, ignore_errors=True)
        files = reassemble(args.returned, name, published["sha256"], staging)
        shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)
        print(f"{target}: {', '.join(files)} (sha256 {published['sha256'][:16]} ok)")


if __name__ == "__main__":
    main()
