"""Turning the pre-tokenized id arrays into model batches: packed pretraining sequences (no padding at all) and
length-bucketed fine-tuning batches (little padding)."""
import numpy as np
import torch

IGNORE = -100


class TokenArrays:
    """One .npz written by pretokenize: flat int16 `ids` and `offsets` (sequence i is ids[offsets[i]:offsets[i+1]])."""

    def __init__(self, path=None, arrays=None):
        if arrays is None:
            with np.load(path) as f:
                arrays = {k: f[k] for k in f.files}
        self.arrays = arrays
        self.ids = self.arrays["ids"].astype(np.int64)
        self.offsets = self.arrays["offsets"]
        self.lengths = np.diff(self.offsets)

    def __len__(self):
        return len(self.lengths)

    def __getitem__(self, key):
        return self.arrays[key]


class PackedCorpus:
    """The pretraining pieces on the training device, re-packed every epoch in a fresh document order:
    docs each followed by [SEP], cut into rows of `length` that start with [CLS] (RoBERTa's full-sentence packing,
    so a doc may run on into the next row and no row holds padding). Wikipedia-style docs appear `wiki_repeat` times."""

    def __init__(self, data, wiki_repeat, length, cls_id, sep_id, device):
        self.ids = torch.from_numpy(data.ids).to(device)
        self.starts = torch.from_numpy(data.offsets[:-1]).to(device)
        self.spans = torch.from_numpy(data.lengths + 1).to(device)          # + its [SEP]
        is_wiki = data["is_wiki"]
        docs = np.concatenate([np.flatnonzero(~is_wiki)] + [np.flatnonzero(is_wiki)] * wiki_repeat)
        self.docs = torch.from_numpy(docs).to(device)
        self.length, self.cls_id, self.sep_id, self.device = length, cls_id, sep_id, device
        self.total = int(self.spans[self.docs].sum())
        if self.total < length:
            raise SystemExit(f"pretraining corpus: {self.total} pieces, fewer than one row of {length}")

    def epoch(self, generator):
        order = self.docs[torch.randperm(len(self.docs), generator=generator).to(self.device)]
        starts, spans = self.starts[order], self.spans[order]
        first = torch.cumsum(spans, 0) - spans
        within = torch.arange(self.total, device=self.device) - torch.repeat_interleave(first, spans, output_size=self.total)
        source = torch.repeat_interleave(starts, spans, output_size=self.total) + within
        is_sep = within == torch.repeat_interleave(spans - 1, spans, output_size=self.total)
        stream = torch.where(is_sep, self.sep_id, self.ids[source.clamp(max=len(self.ids) - 1)])
        body = self.length - 1
        rows = self.total // body
        out = torch.empty((rows, self.length), dtype=torch.long, device=self.device)
        out[:, 0] = self.cls_id
        out[:, 1:] = stream[: rows * body].view(rows, body)
        return out

    @property
    def rows_per_epoch(self):
        return self.total // (self.length - 1)

    def batches(self, batch_size, generator, schedule):
        """Shuffled batches of rows, packed afresh each epoch, until `schedule.next()` says the stage is over."""
        while True:
            rows = self.epoch(generator)
            order = torch.randperm(len(rows), generator=generator).to(self.device)
            for start in range(0, len(rows) - batch_size + 1, batch_size):
                if not schedule.next():
                    return
                yield rows[order[start:start + batch_size]]


def mask_for_mlm(input_ids, vocab_size, mask_id, never_mask, probability=0.15):
    """BERT's dynamic masking: 15 % of maskable pieces are predicted; of those 80 % become [MASK], 10 % a random
    piece, 10 % stay. Returns (masked inputs, labels with -100 where nothing is predicted)."""
    maskable = torch.ones_like(input_ids, dtype=torch.bool)
    for special in never_mask:
        maskable &= input_ids != special
    chosen = (torch.rand(input_ids.shape, device=input_ids.device) < probability) & maskable
    labels = torch.where(chosen, input_ids, torch.full_like(input_ids, IGNORE))
    draw = torch.rand(input_ids.shape, device=input_ids.device)
    to_mask = chosen & (draw < 0.8)
    to_random = chosen & (draw >= 0.8) & (draw < 0.9)
    random_ids = torch.randint(5, vocab_size, input_ids.shape, device=input_ids.device)
    masked = torch.where(to_mask, torch.full_like(input_ids, mask_id), input_ids)
    masked = torch.where(to_random, random_ids, masked)
    return masked, labels


def concat_arrays(first, second, labels_second):
    """Two TokenArrays as one (ids, offsets, labels), the second set's rows labelled `labels_second`."""
    ids = np.concatenate([first["ids"], second["ids"]])
    offsets = np.concatenate([first["offsets"], second["offsets"][1:] + first["offsets"][-1]])
    labels = np.concatenate([first["labels"].astype(np.int8), np.full(len(second), labels_second, dtype=np.int8)])
    return TokenArrays(arrays={"ids": ids, "offsets": offsets, "labels": labels})


def select_rows(data, keep):
    """The rows of a TokenArrays where the boolean array `keep` is set, in order (ids, offsets, and labels when
    the set has them)."""
    lengths = data.lengths[keep]
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(lengths)
    arrays = {"ids": data["ids"][np.repeat(keep, data.lengths)], "offsets": offsets}
    if "labels" in data.arrays:
        arrays["labels"] = data["labels"][keep]
    return TokenArrays(arrays=arrays)


def bucketed_batches(lengths, batch_size, rng, chunk_batches=50):
    """Shuffle, sort by length inside chunks of ~50 batches, cut into batches, shuffle the batches."""
    order = rng.permutation(len(lengths))
    batches = []
    for start in range(0, len(order), batch_size * chunk_batches):
        chunk = order[start:start + batch_size * chunk_batches]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def padded_batch(data, rows, max_length, cls_id, sep_id, pad_id, piece_labels=None):
    """[CLS] pieces [SEP] padded to the batch's longest row; labels (token tasks) carry -100 on specials/padding."""
    bodies = [data.ids[data.offsets[r]:data.offsets[r + 1]][: max_length - 2] for r in rows]
    width = max(len(b) for b in bodies) + 2
    input_ids = np.full((len(rows), width), pad_id, dtype=np.int64)
    attention = np.zeros((len(rows), width), dtype=np.int64)
    labels = np.full((len(rows), width), IGNORE, dtype=np.int64) if piece_labels is not None else None
    for i, (r, body) in enumerate(zip(rows, bodies)):
        input_ids[i, 0] = cls_id
        input_ids[i, 1:len(body) + 1] = body
        input_ids[i, len(body) + 1] = sep_id
        attention[i, :len(body) + 2] = 1
        if labels is not None:
            labels[i, 1:len(body) + 1] = piece_labels[data.offsets[r]:data.offsets[r] + len(body)]
    out = {"input_ids": torch.from_numpy(input_ids), "attention_mask": torch.from_numpy(attention)}
    if labels is not None:
        out["labels"] = torch.from_numpy(labels)
    return out
