"""Hugging Face folders for the runtime (config.json with id2label, fp16 model.safetensors, the tokenizer files),
and their transport from the device machine: a tar cut into parts under the size limit, checked when rejoined."""
import hashlib
import io
import os
import shutil
import tarfile

import torch

from pretokenize import TOKENIZER_FILES

PART_BYTES = 15 * 1024 * 1024


def export_folder(model, out_dir, tokenizer_dir, dtype=torch.float16):
    """Writes a copy of `model` in `dtype`; the model itself is left as it was."""
    os.makedirs(out_dir, exist_ok=True)
    original = next(model.parameters()).dtype
    model.to(dtype).save_pretrained(out_dir)
    model.to(original)
    for name in TOKENIZER_FILES:
        shutil.copyfile(os.path.join(tokenizer_dir, name), os.path.join(out_dir, name))
    return {name: os.path.getsize(os.path.join(out_dir, name)) for name in sorted(os.listdir(out_dir))}


def publish_parts(folder, publish_dir, name, part_bytes=PART_BYTES):
    """folder -> publish_dir/name.tar.part0, .part1, ...; returns the tar's sha256 and the part names."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for entry in sorted(os.listdir(folder)):
            tar.add(os.path.join(folder, entry), arcname=entry)
    blob = buffer.getvalue()
    parts = []
    for i, start in enumerate(range(0, len(blob), part_bytes)):
        part = f"{name}.tar.part{i}"
        with open(os.path.join(publish_dir, part + ".tmp"), "wb") as f:
            f.write(blob[start:start + part_bytes])
        os.replace(os.path.join(publish_dir, part + ".tmp"), os.path.join(publish_dir, part))
        parts.append(part)
    return {"sha256": hashlib.sha256(blob).hexdigest(), "bytes": len(blob), "parts": parts}


def reassemble(parts_dir, name, sha256, dest):
    """Joins name.tar.part* from parts_dir, checks the sha256, unpacks into dest."""
    parts = sorted((p for p in os.listdir(parts_dir) if p.startswith(f"{name}.tar.part")), key=lambda p: int(p.rsplit("part", 1)[1]))
    blob = b"".join(open(os.path.join(parts_dir, p), "rb").read() for p in parts)
    if hashlib.sha256(blob).hexdigest() != sha256:
        raise SystemExit(f"{parts_dir}/{name}.tar.part*: sha256 mismatch ({len(parts)} parts, {len(blob)} bytes)")
    os.makedirs(dest, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        tar.extractall(dest, filter="data")
    return sorted(os.listdir(dest))
