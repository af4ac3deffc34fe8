"""Task distillation: a fine-tuned teacher's soft predictions as extra targets for the student (DistilBERT's and
TinyBERT's second stage). Rows without a gold label (unlabeled reviews) learn from the teacher alone."""
import torch
import torch.nn.functional as F
from transformers import AutoModelForSequenceClassification, AutoModelForTokenClassification

from train_utils import autocast


def load_task_teacher(folder, token_level, device):
    """The fine-tuned teacher, frozen, or None when the preset trained none (the CPU recipe)."""
    if not folder:
        return None
    kind = AutoModelForTokenClassification if token_level else AutoModelForSequenceClassification
    teacher = kind.from_pretrained(folder).to(device).eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    return teacher


def distilled_loss(student_logits, teacher_logits, labels, temperature, alpha_hard, ignore=-100):
    """(1 - alpha_hard) * KL(teacher || student at T) * T^2 over rows/positions that count, plus alpha_hard * cross
    entropy over those with a gold label. Labels: -100 = position does not count (padding, later word pieces),
    -1 = counts for the teacher term only (unlabeled row). Written without boolean indexing: no GPU sync."""
    classes = student_logits.shape[-1]
    s = student_logits.float().reshape(-1, classes)
    t = teacher_logits.float().reshape(-1, classes)
    labels = labels.reshape(-1)
    counts = (labels != ignore).float()
    gold = (labels >= 0).float()
    kl = F.kl_div(F.log_softmax(s / temperature, -1), F.softmax(t / temperature, -1), reduction="none").sum(-1)
    soft = (kl * counts).sum() / counts.sum().clamp(min=1.0) * temperature * temperature
    ce = F.cross_entropy(s, labels.clamp(min=0), reduction="none")
    hard = (ce * gold).sum() / gold.sum().clamp(min=1.0)
    return (1.0 - alpha_hard) * soft + alpha_hard * hard


def task_loss(logits, gold, teacher, batch, device, stage, ignore=-100):
    """The fine-tuning loss of both tasks: plain cross entropy without a task teacher, else `distilled_loss`
    against the teacher's logits on the same batch."""
    if teacher is None:
        return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), gold.reshape(-1), ignore_index=ignore)
    with torch.no_grad(), autocast(device):
        soft = teacher(input_ids=batch["input_ids"].to(device), attention_mask=batch["attention_mask"].to(device)).logits
    return distilled_loss(logits, soft, gold, stage["kd_temperature"], stage["kd_alpha_hard"], ignore)


def add_pass_options(parser, batch, warmup, max_length):
    """The options both CPU distillation passes (ngram_kd.py, crf_kd.py) take, with each one's defaults."""
    parser.add_argument("--folds", type=int, default=5, help="folds for the baseline's out-of-fold predictions on labelled rows (default: %(default)s)")
    parser.add_argument("--batch", type=int, default=batch, help="rows a step (default: %(default)s)")
    parser.add_argument("--lr", type=float, default=3e-5, help="peak learning rate, linear warm-up and decay (default: %(default)s)")
    parser.add_argument("--warmup", type=float, default=warmup, help="warm-up fraction of the steps (default: %(default)s)")
    parser.add_argument("--temperature", type=float, default=2.0, help="distillation temperature T (default: %(default)s)")
    parser.add_argument("--alpha-hard", type=float, default=0.5, help="weight of the gold-label loss; the soft loss gets the rest (default: %(default)s)")
    parser.add_argument("--max-length", type=int, default=max_length, help="pieces a row, [CLS] and [SEP] included (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=42, help="(default: %(default)s)")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default: %(default)s)")
