"""The project's data in multilingual-e5-small's ids (XLM-R SentencePiece, 250,002 pieces, read from its
tokenizer.json with `tokenizers`), as the TokenArrays the fine-tuning code already batches: int32 ids (int16,
KoBERT's width, cannot hold them), bodies without <s> / </s> (padded_batch adds them). NER words go in as
pre-split words, so each word's first piece is known; the word's tag sits there, -100 on the rest (as
pretokenize.ner_arrays does for KoBERT). A sentence encoded word by word gives the ids of the whole sentence
(Metaspace splits on spaces): checked on 500 train sentences, no difference."""
import hashlib
import os

import numpy as np

import shared_data
from batching import TokenArrays
from train_utils import read_json, write_json

SPECIALS = ("<s>", "<pad>", "</s>", "<unk>")


def load_tokenizer(e5_dir):
    from tokenizers import Tokenizer
    path = os.path.join(e5_dir, "tokenizer.json")
    if not os.path.exists(path):
        raise SystemExit(f"{path}: missing (run the e5_convert stage)")
    tokenizer = Tokenizer.from_file(path)
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def special_ids(tokenizer):
    """cls / pad / sep / unk ids as the batching code names them (XLM-R: 0, 1, 2, 3)."""
    ids = [tokenizer.token_to_id(t) for t in SPECIALS]
    if None in ids:
        raise SystemExit(f"tokenizer.json lacks one of {SPECIALS}")
    return dict(zip(("cls_id", "pad_id", "sep_id", "unk_id"), ids))


def fingerprint(e5_dir):
    digest = hashlib.sha256()
    with open(os.path.join(e5_dir, "tokenizer.json"), "rb") as f:
        digest.update(f.read())
    return digest.hexdigest()[:16]


def flatten(sequences, dtype):
    offsets = np.zeros(len(sequences) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(s) for s in sequences])
    flat = np.fromiter((x for s in sequences for x in s), dtype=dtype, count=int(offsets[-1]))
    return flat, offsets


def encode_texts(tokenizer, texts, prefix):
    encodings = tokenizer.encode_batch([prefix + t for t in texts], add_special_tokens=False)
    ids, offsets = flatten([e.ids for e in encodings], np.int32)
    return {"ids": ids, "offsets": offsets}


def ner_arrays(tokenizer, sentences, tag_ids, prefix, unk_id):
    """Word pieces with the word's tag on its first piece; the prefix (when set) is pieces without a tag."""
    prefix_ids = tokenizer.encode(prefix, add_special_tokens=False).ids if prefix.strip() else []
    encodings = tokenizer.encode_batch([words for words, _ in sentences], is_pretokenized=True, add_special_tokens=False)
    pieces, piece_labels, word_labels = [], [], []
    for (words, tags), encoding in zip(sentences, encodings):
        ids, labels = list(prefix_ids), [-100] * len(prefix_ids)
        by_word = [[] for _ in words]
        for piece, word in zip(encoding.ids, encoding.word_ids):
            by_word[word].append(piece)
        for word_pieces, tag in zip(by_word, tags):
            word_pieces = word_pieces or [unk_id]     # a word the normalizer empties still holds its tag
            ids += word_pieces
            labels += [tag_ids[tag]] + [-100] * (len(word_pieces) - 1)
        pieces.append(ids)
        piece_labels.append(labels)
        word_labels.append([tag_ids[t] for t in tags])
    ids, offsets = flatten(pieces, np.int32)
    flat_labels, _ = flatten(piece_labels, np.int8)
    flat_words, word_offsets = flatten(word_labels, np.int8)
    return {"ids": ids, "offsets": offsets, "piece_labels": flat_labels, "word_labels": flat_words, "word_offsets": word_offsets}


def word_arrays(tokenizer, sentences, prefix, unk_id):
    """Untagged sentences (word lists) as ids with `first_piece` marking each word's first piece, and the words a
    sentence holds in `word_offsets`: where the NER teacher's per-word soft targets are read."""
    tagged = ner_arrays(tokenizer, [(words, ["O"] * len(words)) for words in sentences], {"O": 0}, prefix, unk_id)
    return {"ids": tagged["ids"], "offsets": tagged["offsets"], "first_piece": tagged["piece_labels"] != -100,
            "word_offsets": tagged["word_offsets"]}


def run(data, e5_dir, out_dir, prefix, limits):
    """Writes nsmc_train / nsmc_dev / unlabeled / ner_train / ner_dev .npz and meta.json. `limits` (row counts or
    None) cut the NSMC train and dev sets and the unlabeled reviews to their first rows: the CPU smoke run."""
    os.makedirs(out_dir, exist_ok=True)
    tokenizer = load_tokenizer(e5_dir)
    cut = lambda rows, n: rows[:n] if n else rows   # noqa: E731
    dev_texts, dev_labels = shared_data.nsmc(data, "dev")
    train_texts, train_labels = shared_data.nsmc(data, "train")
    all_reviews = shared_data.unlabeled_reviews(data)
    unlabeled = shared_data.reviews_without(all_reviews, dev_texts)     # dev reviews never reach the teacher's targets
    counts = {}
    for name, texts, labels, limit in (("nsmc_train", train_texts, train_labels, limits.get("nsmc_train")),
                                       ("nsmc_dev", dev_texts, dev_labels, limits.get("nsmc_dev")),
                                       ("unlabeled", unlabeled, None, limits.get("unlabeled"))):
        texts = cut(texts, limit)
        arrays = encode_texts(tokenizer, texts, prefix)
        if labels is not None:
            arrays["labels"] = np.array(cut(labels, limit), dtype=np.int8)
        np.savez_compressed(os.path.join(out_dir, f"{name}.npz"), **arrays)
        counts[name] = len(texts)
    tags = shared_data.ner_tags(data)
    tag_ids = {t: i for i, t in enumerate(tags)}
    specials = special_ids(tokenizer)
    ner_train, ner_dev = shared_data.ner_split(data)
    for name, sentences in (("ner_train", ner_train), ("ner_dev", ner_dev)):
        np.savez_compressed(os.path.join(out_dir, f"{name}.npz"), **ner_arrays(tokenizer, sentences, tag_ids, prefix, specials["unk_id"]))
        counts[name] = len(sentences)
    meta = {**specials, "vocab_size": tokenizer.get_vocab_size(), "ner_tags": tags, "prefix": prefix,
            "tokenizer_sha256_16": fingerprint(e5_dir), "limits": limits, "rows": counts,
            "unlabeled_lines_dropped_as_nsmc_dev": len(all_reviews) - len(unlabeled)}
    write_json(os.path.join(out_dir, "meta.json"), meta)
    return meta


def load(arrays_dir, name):
    path = os.path.join(arrays_dir, f"{name}.npz")
    if not os.path.exists(path):
        raise SystemExit(f"{path}: missing (run the e5_pretokenize stage)")
    return TokenArrays(path)


def load_meta(arrays_dir):
    return read_json(os.path.join(arrays_dir, "meta.json"))
