"""What every peer shares: the run context written by `compare.py --prepare`, inputs, timing."""
import json
import statistics
import time
from pathlib import Path

import numpy as np


def read_context(work):
    path = Path(work) / "context.json"
    if not path.exists():
        raise SystemExit(f"{path}: missing (compare.py --prepare writes it)")
    return json.loads(path.read_text())


def random_ids(vocab, batch, length, seed=7):
    """[CLS] seeded random ids [SEP] per row, as kobert bench builds its passes (ids 2 and 3)."""
    if length < 2:
        raise SystemExit(f"seq-len {length}: needs at least 2 ([CLS] and [SEP])")
    rng = np.random.default_rng(seed)
    body = rng.integers(5, vocab, size=(batch, length - 2))
    ids = np.concatenate([np.full((batch, 1), 2), body, np.full((batch, 1), 3)], axis=1)
    return ids.astype(np.int64)


def reference_inputs(context):
    data = np.load(Path(context["work"]) / "reference.npz")
    return data["input_ids"], data["attention_mask"]


def time_calls(call, iterations, warmup):
    """Median and p90 milliseconds of `iterations` calls after `warmup` untimed ones."""
    for _ in range(warmup):
        call()
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"median_ms": statistics.median(times), "p90_ms": times[min(len(times) - 1, int(0.9 * len(times)))]}


def load_model(checkpoint):
    """The model class named in config.json, weights loaded by hand: older checkpoints name
    LayerNorm parameters gamma / beta, which current transformers no longer renames."""
    import torch
    import transformers
    checkpoint = Path(checkpoint)
    config = transformers.AutoConfig.from_pretrained(checkpoint)
    architecture = (config.architectures or ["AutoModel"])[0]
    cls = getattr(transformers, architecture, transformers.AutoModel)
    model = cls(config) if cls is not transformers.AutoModel else transformers.AutoModel.from_config(config)
    if (checkpoint / "model.safetensors").exists():
        from safetensors.torch import load_file
        state = load_file(str(checkpoint / "model.safetensors"))
    else:
        state = torch.load(checkpoint / "pytorch_model.bin", map_location="cpu", weights_only=True)
    renamed = {k.replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias")
               .replace("layer_norm.gamma", "layer_norm.weight").replace("layer_norm.beta", "layer_norm.bias"): v
               for k, v in state.items()}
    prefix = model.base_model_prefix + "."
    if not any(k.startswith(prefix) for k in model.state_dict()) and any(k.startswith(prefix) for k in renamed):
        renamed = {k[len(prefix):] if k.startswith(prefix) else k: v for k, v in renamed.items()}
    missing, _ = model.load_state_dict(renamed, strict=False)
    missing = [k for k in missing if "position_ids" not in k]
    if missing:
        raise SystemExit(f"{checkpoint}: weights missing for {missing[:5]}")
    model.eval()
    return model, config
