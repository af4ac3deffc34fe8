"""Stage 2: the teacher, a BERT masked-LM pretrained from scratch on packed 128-piece rows of the unlabeled
reviews plus the Wikipedia-style text. Only masked positions go through the output layer (saves ~10 % compute)."""
import os

import torch
import torch.nn.functional as F
from transformers import BertConfig, BertForMaskedLM

from batching import PackedCorpus, TokenArrays, mask_for_mlm
from train_utils import Schedule, adamw, autocast, log, optimizer_step, progress_bar, read_json, seed_everything


def run(cfg, pretok_dir, out_dir, device):
    stage = cfg["teacher"]
    meta = read_json(os.path.join(pretok_dir, "meta.json"))
    seed_everything(cfg["seed"])
    config = BertConfig(vocab_size=meta["vocab_size"], hidden_size=cfg["dim"], num_hidden_layers=cfg["teacher_layers"],
                        num_attention_heads=cfg["heads"], intermediate_size=cfg["ffn"],
                        max_position_embeddings=cfg["max_positions"], type_vocab_size=2, pad_token_id=meta["pad_id"])
    model = BertForMaskedLM(config).to(device)
    corpus = TokenArrays(os.path.join(pretok_dir, "pretrain.npz"))
    packed = PackedCorpus(corpus, cfg["wiki_repeat"], cfg["pack_length"], meta["cls_id"], meta["sep_id"], device)
    generator = torch.Generator().manual_seed(cfg["seed"])
    optimizer = adamw(model, stage["lr"])
    schedule = Schedule(optimizer, stage["lr"], stage["warmup"], stage["max_steps"], stage["time_budget_s"])
    never_mask = (meta["pad_id"], meta["cls_id"], meta["sep_id"])
    params = sum(p.numel() for p in model.parameters())
    log(f"teacher: BERT {cfg['teacher_layers']} layers, dim {cfg['dim']}, {params / 1e6:.1f}M parameters, "
        f"{corpus.offsets[-1]:,} pieces, batch {stage['batch']} x {cfg['pack_length']}")

    model.train()
    bar = progress_bar(stage["max_steps"], "teacher")
    losses, history, rows_seen = [], [], 0
    for batch in packed.batches(stage["batch"], generator, schedule):
        inputs, labels = mask_for_mlm(batch, meta["vocab_size"], meta["mask_id"], never_mask)
        with autocast(device):
            hidden = model.bert(input_ids=inputs).last_hidden_state
            picked = labels != -100
            logits = model.cls(hidden[picked])
        loss = F.cross_entropy(logits.float(), labels[picked])
        if not torch.isfinite(loss):   # one bad batch must not poison the weights
            log(f"step {schedule.step}: non-finite loss, batch skipped")
            continue
        optimizer_step(model, optimizer, loss)
        losses.append(loss.detach())
        rows_seen += len(batch)
        bar.update(1)
        if schedule.step % 100 == 0:
            mean = torch.stack(losses).mean().item()
            losses = []
            history.append({"step": schedule.step, "s": round(schedule.elapsed(), 1), "mlm_loss": round(mean, 4)})
            log(f"teacher step {schedule.step} epoch {rows_seen / packed.rows_per_epoch:.2f} loss {mean:.3f} lr {optimizer.param_groups[0]['lr']:.2e} "
                f"{schedule.elapsed():.0f}s")
    bar.close()
    if losses:
        history.append({"step": schedule.step, "s": round(schedule.elapsed(), 1),
                        "mlm_loss": round(torch.stack(losses).mean().item(), 4)})
    model.save_pretrained(out_dir)
    summary = {"steps": schedule.step, "stopped_by": schedule.stopped_by, "epochs": round(rows_seen / packed.rows_per_epoch, 2), "rows": rows_seen,
               "pieces": rows_seen * cfg["pack_length"], "parameters": params, "train_s": round(schedule.elapsed(), 1),
               "final_mlm_loss": history[-1]["mlm_loss"] if history else None, "loss_curve": history}
    log(f"teacher done: {summary['steps']} steps, {summary['epochs']} epochs, loss {summary['final_mlm_loss']}")
    return summary
