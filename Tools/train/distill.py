"""Stage 3: DistilKoBERT's distillation. A DistilBERT student takes the teacher's embeddings and every k-th layer,
then learns from  alpha_ce * KL(student || teacher, temperature T) * T^2 + alpha_mlm * MLM + alpha_cos * (1 - cos)
of the last hidden states, with the position embeddings frozen. Any BertForMaskedLM folder can be the teacher."""
import os

import torch
import torch.nn.functional as F
from transformers import BertForMaskedLM, DistilBertConfig, DistilBertForMaskedLM

from batching import PackedCorpus, TokenArrays, mask_for_mlm
from presets import evenly_spread_layers
from train_utils import Schedule, adamw, autocast, log, optimizer_step, progress_bar, read_json, seed_everything

LAYER_MAP = {  # DistilBERT layer part <- BERT layer part
    "attention.q_lin": "attention.self.query", "attention.k_lin": "attention.self.key",
    "attention.v_lin": "attention.self.value", "attention.out_lin": "attention.output.dense",
    "sa_layer_norm": "attention.output.LayerNorm", "ffn.lin1": "intermediate.dense", "ffn.lin2": "output.dense",
    "output_layer_norm": "output.LayerNorm",
}


def student_from_teacher(teacher, student_layers, teacher_layers):
    t = teacher.config
    if t.hidden_act not in ("gelu", "relu"):
        raise SystemExit(f"teacher config: hidden_act {t.hidden_act!r} has no DistilBERT twin")
    config = DistilBertConfig(vocab_size=t.vocab_size, dim=t.hidden_size, n_layers=student_layers, n_heads=t.num_attention_heads,
                              hidden_dim=t.intermediate_size, max_position_embeddings=t.max_position_embeddings,
                              pad_token_id=t.pad_token_id, activation=t.hidden_act)
    student = DistilBertForMaskedLM(config)
    tw = teacher.state_dict()
    sw = {}
    # DistilBERT has no token types: fold type 0 into the word rows, so the embedding output equals the teacher's
    # for single-segment input (the tied output layer only shifts every logit of a position by one constant).
    sw["distilbert.embeddings.word_embeddings.weight"] = tw["bert.embeddings.word_embeddings.weight"] + \
        tw["bert.embeddings.token_type_embeddings.weight"][0]
    sw["distilbert.embeddings.position_embeddings.weight"] = tw["bert.embeddings.position_embeddings.weight"]
    for part in ("weight", "bias"):
        sw[f"distilbert.embeddings.LayerNorm.{part}"] = tw[f"bert.embeddings.LayerNorm.{part}"]
        for s, tl in enumerate(teacher_layers):
            for student_part, teacher_part in LAYER_MAP.items():
                sw[f"distilbert.transformer.layer.{s}.{student_part}.{part}"] = \
                    tw[f"bert.encoder.layer.{tl}.{teacher_part}.{part}"]
        sw[f"vocab_transform.{part}"] = tw[f"cls.predictions.transform.dense.{part}"]
        sw[f"vocab_layer_norm.{part}"] = tw[f"cls.predictions.transform.LayerNorm.{part}"]
    sw["vocab_projector.bias"] = tw["cls.predictions.bias"] if "cls.predictions.bias" in tw else tw["cls.predictions.decoder.bias"]
    sw["vocab_projector.weight"] = sw["distilbert.embeddings.word_embeddings.weight"]
    missing, unexpected = student.load_state_dict(sw, strict=False)
    missing = [m for m in missing if "position_ids" not in m]
    if missing or unexpected:
        raise SystemExit(f"student init: missing {missing[:4]}, unexpected {unexpected[:4]}")
    return student


def student_logits(student, hidden):
    x = student.vocab_layer_norm(student.activation(student.vocab_transform(hidden)))
    return student.vocab_projector(x)


def run(cfg, pretok_dir, teacher_dir, out_dir, device, teacher_layers=None):
    stage = cfg["distill"]
    meta = read_json(os.path.join(pretok_dir, "meta.json"))
    seed_everything(cfg["seed"] + 1)
    teacher = BertForMaskedLM.from_pretrained(teacher_dir).to(device).eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    chosen = teacher_layers or evenly_spread_layers(teacher.config.num_hidden_layers, cfg["student_layers"])
    student = student_from_teacher(teacher, cfg["student_layers"], chosen).to(device)
    student.distilbert.embeddings.position_embeddings.weight.requires_grad_(False)
    corpus = TokenArrays(os.path.join(pretok_dir, "pretrain.npz"))
    packed = PackedCorpus(corpus, cfg["wiki_repeat"], cfg["pack_length"], meta["cls_id"], meta["sep_id"], device)
    generator = torch.Generator().manual_seed(cfg["seed"] + 1)
    optimizer = adamw(student, stage["lr"])
    schedule = Schedule(optimizer, stage["lr"], stage["warmup"], stage["max_steps"], stage["time_budget_s"])
    never_mask = (meta["pad_id"], meta["cls_id"], meta["sep_id"])
    T = stage["temperature"]
    log(f"distill: student {cfg['student_layers']} layers from teacher layers {chosen}, "
        f"{sum(p.numel() for p in student.parameters()) / 1e6:.1f}M parameters, T={T}")

    student.train()
    bar = progress_bar(stage["max_steps"], "distill")
    sums, history, rows_seen = [], [], 0
    for batch in packed.batches(stage["batch"], generator, schedule):
        inputs, labels = mask_for_mlm(batch, meta["vocab_size"], meta["mask_id"], never_mask)
        with autocast(device):
            with torch.no_grad():
                t_hidden = teacher.bert(input_ids=inputs).last_hidden_state
                t_logits = teacher.cls(t_hidden)
            s_hidden = student.distilbert(input_ids=inputs).last_hidden_state
            s_logits = student_logits(student, s_hidden)
        vocab, dim = s_logits.shape[-1], s_hidden.shape[-1]
        loss_ce = F.kl_div(F.log_softmax(s_logits.float().view(-1, vocab) / T, dim=-1),
                           F.softmax(t_logits.float().view(-1, vocab) / T, dim=-1), reduction="batchmean") * T * T
        picked = labels != -100
        loss_mlm = F.cross_entropy(s_logits[picked].float(), labels[picked])
        s_flat, t_flat = s_hidden.float().view(-1, dim), t_hidden.float().view(-1, dim)
        loss_cos = F.cosine_embedding_loss(s_flat, t_flat, torch.ones(len(s_flat), device=device))
        loss = stage["alpha_ce"] * loss_ce + stage["alpha_mlm"] * loss_mlm + stage["alpha_cos"] * loss_cos
        if not torch.isfinite(loss):   # one bad batch must not poison the weights
            log(f"step {schedule.step}: non-finite loss, batch skipped")
            continue
        optimizer_step(student, optimizer, loss)
        sums.append(torch.stack([loss.detach(), loss_ce.detach(), loss_mlm.detach(), loss_cos.detach()]))
        rows_seen += stage["batch"]
        bar.update(1)
        if schedule.step % 100 == 0:
            history.append(_point(schedule, sums))
            sums = []
            log(f"distill step {schedule.step} " + " ".join(f"{k} {v}" for k, v in history[-1].items() if k != "step"))
    bar.close()
    if sums:
        history.append(_point(schedule, sums))
    student.save_pretrained(out_dir)
    summary = {"steps": schedule.step, "stopped_by": schedule.stopped_by, "rows": rows_seen, "teacher_layers": chosen, "train_s": round(schedule.elapsed(), 1),
               "final": history[-1] if history else None, "loss_curve": history}
    log(f"distill done: {summary['steps']} steps, final {summary['final']}")
    return summary


def _point(schedule, sums):
    mean = torch.stack(sums).mean(0).tolist()
    return {"step": schedule.step, "s": round(schedule.elapsed(), 1), "loss": round(mean[0], 4), "ce": round(mean[1], 4),
            "mlm": round(mean[2], 4), "cos": round(mean[3], 4)}
