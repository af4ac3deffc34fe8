#!/usr/bin/env python3
"""Two questions about the e5 teacher that a full fine-tune per variant would be too dear to answer on CPU, asked
of a frozen-encoder probe instead: mean-pooled last hidden states (e5's own pooling) of N train and M dev NSMC
reviews, a logistic regression fitted on the train features, accuracy on the dev features.

  1. the model card's "query: " prefix: the probe with and without it;
  2. what the Q4_0 origin costs: the original fp32 weights are not on this machine, so the cost is bounded from
     the other side — the quantized tensors (word embeddings and every Linear weight) get a second dose of Q4_0's
     rounding error (uniform in ±d/2 per block of 32, d = the block's scale = its largest |value| / 8, as Q4_0's
     d = max / -8 makes it), and the probe shows what that second dose costs.

  Tools/train/e5_probe.py E5_DIR [--train 2000 --dev 1000 --noise-seeds 2]

Features per variant are one forward pass over N + M reviews, length-sorted (one thread, unsorted: 208 s for 3,000 on
the shared box). The dev
reviews only score; nothing is chosen on them here (the recipe's default prefix was set from the model card)."""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import shared_data  # noqa: E402
from shared_data import DEFAULT_DATA  # noqa: E402

QK = 32


def q4_tensors(model):
    """The weights that the E5S1 file stores as Q4_0: the word embeddings and the encoder's Linear weights."""
    names = ["embeddings.word_embeddings.weight"]
    names += [n for n, p in model.named_parameters() if n.startswith("encoder.") and n.endswith(".weight") and p.ndim == 2]
    return names


def second_q4_dose(model, seed):
    """Adds uniform(-d/2, d/2) per Q4_0 block to every quantized tensor; returns the relative size of the noise."""
    generator = torch.Generator().manual_seed(seed)
    params = dict(model.named_parameters())
    noise_sq = weight_sq = 0.0
    with torch.no_grad():
        for name in q4_tensors(model):
            weight = params[name]
            if weight.numel() % QK:
                raise SystemExit(f"{name}: {weight.numel()} values, not whole Q4_0 blocks")
            blocks = weight.view(-1, QK)
            scale = blocks.abs().amax(dim=1, keepdim=True) / 8
            noise = (torch.rand(blocks.shape, generator=generator) - 0.5) * scale
            blocks += noise
            noise_sq += float(noise.pow(2).sum())
            weight_sq += float(blocks.pow(2).sum())
    return (noise_sq / weight_sq) ** 0.5


def grid_fraction(model):
    """Share of values that sit on their block's Q4_0 grid (value / d an integer in [-8, 7]): checks that the
    folder's weights really are dequantized Q4_0, so the scale read back from a block is the real one."""
    params = dict(model.named_parameters())
    on_grid = total = 0
    for name in q4_tensors(model):
        blocks = params[name].detach().view(-1, QK).double()
        scale = blocks.abs().amax(dim=1, keepdim=True) / 8
        ratio = torch.where(scale > 0, blocks / scale.clamp(min=1e-30), torch.zeros_like(blocks))
        on_grid += int(((ratio - ratio.round()).abs() < 1e-3).sum())
        total += blocks.numel()
    return on_grid / total


@torch.no_grad()
def features(model, tokenizer, texts, prefix, batch=64, max_length=128):
    every = tokenizer.encode_batch([prefix + t for t in texts])
    order = np.argsort([len(e.ids) for e in every], kind="stable")    # similar lengths together: little padding
    out = []
    for start in range(0, len(texts), batch):
        encodings = [every[i] for i in order[start:start + batch]]
        width = min(max_length, max(len(e.ids) for e in encodings))
        ids = torch.ones((len(encodings), width), dtype=torch.long)          # <pad> = 1
        mask = torch.zeros((len(encodings), width), dtype=torch.long)
        for i, e in enumerate(encodings):
            n = min(width, len(e.ids))
            ids[i, :n] = torch.tensor(e.ids[:n])
            mask[i, :n] = 1
        hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
        pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        out.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
    pooled = np.zeros((len(texts), out[0].shape[1]), dtype=np.float32)
    pooled[order] = np.concatenate(out)
    return pooled


def probe(train_x, train_y, dev_x, dev_y):
    from sklearn.linear_model import LogisticRegression
    classifier = LogisticRegression(C=10.0, max_iter=3000).fit(train_x, train_y)
    return 100.0 * float((classifier.predict(dev_x) == np.array(dev_y)).mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("e5_dir")
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--train", type=int, default=2000, help="train reviews for the probe (default: %(default)s)")
    parser.add_argument("--dev", type=int, default=1000, help="dev reviews scored (default: %(default)s)")
    parser.add_argument("--noise-seeds", type=int, default=2, help="second-dose draws (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=None, help="also write the results as JSON here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    from tokenizers import Tokenizer
    from transformers import BertModel
    tokenizer = Tokenizer.from_file(os.path.join(args.e5_dir, "tokenizer.json"))
    train_texts, train_y = shared_data.nsmc(args.data, "train")
    dev_texts, dev_y = shared_data.nsmc(args.data, "dev")
    train_texts, train_y, dev_texts, dev_y = train_texts[:args.train], train_y[:args.train], dev_texts[:args.dev], dev_y[:args.dev]

    def score(model, prefix):
        began = time.time()
        accuracy = probe(features(model, tokenizer, train_texts, prefix), train_y, features(model, tokenizer, dev_texts, prefix), dev_y)
        return round(accuracy, 2), round(time.time() - began, 1)

    model = BertModel.from_pretrained(args.e5_dir, add_pooling_layer=False).eval()
    results = {"train": len(train_texts), "dev": len(dev_texts), "on_q4_grid": round(grid_fraction(model), 5)}
    print(f"share of quantized values on their block's Q4_0 grid: {results['on_q4_grid']}", flush=True)
    for prefix in ("query: ", ""):
        results[f"prefix {prefix!r}"] = score(model, prefix)
        print(f"probe, prefix {prefix!r}: dev accuracy {results[f'prefix {prefix!r}'][0]} ({results[f'prefix {prefix!r}'][1]}s)", flush=True)
    doses = []
    for seed in range(args.noise_seeds):
        noisy = BertModel.from_pretrained(args.e5_dir, add_pooling_layer=False).eval()
        relative = second_q4_dose(noisy, seed)
        accuracy, seconds = score(noisy, "query: ")
        doses.append({"seed": seed, "relative_noise": round(relative, 4), "dev_accuracy": accuracy})
        print(f"probe, second Q4_0 dose (seed {seed}, noise {100 * relative:.2f} % of the weights' norm): dev accuracy {accuracy} ({seconds}s)", flush=True)
    results["second_q4_dose"] = doses
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
