"""A fine-tuning loop that can be finished in parts: the schedule is a pure function of the step (linear warm-up,
linear decay to zero at the last step), the batch of step k is a pure function of (seed, k), and every
`save_every` steps, and when a part's wall-clock budget runs out, the trainable weights, the optimizer, the step
and the RNG state go to `state_dir`. A later call loads them and goes on, so a run cut into parts follows the
same steps as a run in one go, dropout draws included (CPU and CUDA RNG states are saved too)."""
import os
import time

import numpy as np
import torch

from batching import bucketed_batches
from train_utils import adamw, log, optimizer_step, read_json, write_json


class PartEnded(Exception):
    """A part's budget ran out before the stage's last step; the state is saved, run the stage again."""


def learning_rate(step, total, peak, warmup):
    p = (step + 0.5) / total
    if p < warmup:
        return peak * p / warmup
    return peak * max(0.0, (1.0 - p) / (1.0 - warmup))


class StepBatches:
    """Batch k = the (k mod per_epoch)-th length-bucketed batch of epoch k // per_epoch, shuffled with seed + epoch."""

    def __init__(self, lengths, batch, seed):
        self.lengths, self.batch, self.seed = lengths, batch, seed
        self.per_epoch = -(-len(lengths) // batch)
        self.epoch, self.order = None, None

    def __call__(self, step):
        epoch = step // self.per_epoch
        if epoch != self.epoch:
            self.epoch = epoch
            self.order = bucketed_batches(self.lengths, self.batch, np.random.default_rng(self.seed + epoch))
        return self.order[step % self.per_epoch]


def trainable_state(model):
    return {name: p.detach().cpu() for name, p in model.named_parameters() if p.requires_grad}


def train(model, stage, total_steps, lengths, seed, loss_of_rows, state_dir, label):
    """Runs steps until `total_steps` (then returns the loss curve) or until the part budget ends (then raises
    PartEnded). `loss_of_rows(rows)` returns the loss of one batch of row indices."""
    os.makedirs(state_dir, exist_ok=True)
    optimizer = adamw(model, stage["lr"], betas=(0.9, 0.999), eps=1e-8)
    batches = StepBatches(lengths, stage["batch"], seed)
    state_file, info_file = os.path.join(state_dir, "state.pt"), os.path.join(state_dir, "state.json")
    step, curve = 0, []
    if os.path.exists(info_file):
        info = read_json(info_file)
        if info["total_steps"] != total_steps or info["batch"] != stage["batch"]:
            raise SystemExit(f"{state_dir}: saved for {info['total_steps']} steps of {info['batch']}, this run wants "
                             f"{total_steps} of {stage['batch']} (--force the stage to start over)")
        saved = torch.load(state_file, map_location="cpu", weights_only=False)
        missing = set(trainable_state(model)) - set(saved["weights"])
        if missing:
            raise SystemExit(f"{state_file}: lacks {len(missing)} trainable tensors, e.g. {sorted(missing)[0]}")
        model.load_state_dict(saved["weights"], strict=False)
        optimizer.load_state_dict(saved["optimizer"])
        torch.set_rng_state(saved["rng"])
        if saved.get("cuda_rng") is not None and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(saved["cuda_rng"])
        step, curve = info["step"], info["curve"]
        log(f"{label}: resumed at step {step} / {total_steps}")

    def save():
        cuda_rng = torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None     # dropout draws on a GPU
        torch.save({"weights": trainable_state(model), "optimizer": optimizer.state_dict(), "rng": torch.get_rng_state(),
                    "cuda_rng": cuda_rng}, state_file + ".tmp")
        os.replace(state_file + ".tmp", state_file)
        write_json(info_file, {"step": step, "total_steps": total_steps, "batch": stage["batch"], "curve": curve})

    began, running, counted = time.time(), 0.0, 0
    model.train()
    while step < total_steps:
        if stage.get("part_budget_s") and time.time() - began > stage["part_budget_s"]:
            save()
            raise PartEnded(f"{label}: part budget {stage['part_budget_s']}s spent at step {step} / {total_steps}; state saved, run again to go on")
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, total_steps, stage["lr"], stage["warmup"])
        loss = loss_of_rows(batches(step))
        optimizer_step(model, optimizer, loss)
        running, counted, step = running + loss.item(), counted + 1, step + 1
        if step % 50 == 0 or step == total_steps:
            curve.append({"step": step, "loss": round(running / counted, 4), "part_s": round(time.time() - began, 1)})
            log(f"{label}: step {step} / {total_steps}, loss {curve[-1]['loss']} ({curve[-1]['part_s']}s this part)")
            running, counted = 0.0, 0
        if step % stage["save_every"] == 0 and step < total_steps:
            save()
    return {"steps": step, "epochs": round(step / batches.per_epoch, 3), "curve": curve}


def total_steps_of(stage, rows):
    per_epoch = -(-rows // stage["batch"])
    steps = per_epoch * stage["epochs"]
    return min(steps, int(stage["max_steps"])) if stage.get("max_steps") else steps


def freeze_word_embeddings_if_asked(model, stage):
    """The CPU recipe keeps the 250,002-row word table fixed (see e5_presets.py); returns the trainable count."""
    if stage.get("freeze_word_embeddings"):
        model.get_input_embeddings().weight.requires_grad_(False)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
