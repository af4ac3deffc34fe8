"""What every training stage shares: device and precision, seeding, AdamW, a warm-up/linear-decay schedule that
ends on whichever comes first (its step count or its wall-clock budget), and one-line progress logs."""
import contextlib
import json
import os
import random
import sys
import time

import numpy as np
import torch


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def pick_device(requested=None):
    if requested:
        return torch.device(requested)
    if torch.cuda.is_available():
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        return torch.device("cuda")
    return torch.device("cpu")


def autocast(device):
    """bf16 autocast on a GPU; plain fp32 on CPU (deterministic, and bf16 is slow on most CPUs)."""
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def adamw(model, lr, weight_decay=0.01, betas=(0.9, 0.98), eps=1e-6):
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        (no_decay if param.ndim < 2 or "LayerNorm" in name or "layer_norm" in name else decay).append(param)
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    fused = next(model.parameters()).device.type == "cuda"
    return torch.optim.AdamW(groups, lr=lr, betas=betas, eps=eps, fused=fused)


def optimizer_step(model, optimizer, loss, max_norm=1.0):
    """Backward, clip the gradient norm, step: the update every stage makes."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()


class Schedule:
    """Linear warm-up then linear decay to zero over progress = max(step / max_steps, elapsed / budget)."""

    def __init__(self, optimizer, peak_lr, warmup, max_steps, time_budget_s=None):
        self.optimizer, self.peak_lr, self.warmup = optimizer, peak_lr, warmup
        self.max_steps, self.time_budget_s = max_steps, time_budget_s
        self.started = time.time()
        self.step = 0
        self.stopped_by = "end of data"

    def progress(self):
        p = self.step / self.max_steps
        if self.time_budget_s:
            p = max(p, (time.time() - self.started) / self.time_budget_s)
        return p

    def lr_at(self, p):
        if p < self.warmup:
            return self.peak_lr * p / self.warmup
        return self.peak_lr * max(0.0, (1.0 - p) / (1.0 - self.warmup))

    def next(self):
        """Sets the learning rate for the coming step; False once the stage is over."""
        p = self.progress()
        if p >= 1.0:
            self.stopped_by = "steps" if self.step >= self.max_steps else "time budget (not deterministic)"
            return False
        lr = self.lr_at(max(p, 0.5 / self.max_steps))
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.step += 1
        return True

    def elapsed(self):
        return time.time() - self.started


def progress_bar(total, desc):
    from tqdm import tqdm
    return tqdm(total=total, desc=desc, disable=not sys.stderr.isatty(), mininterval=2)


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1, ensure_ascii=False)
    os.replace(tmp, path)


def read_json(path):
    with open(path) as f:
        return json.load(f)
