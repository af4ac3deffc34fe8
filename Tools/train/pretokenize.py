"""Stage 1: turn every text the recipe uses into KoBertTokenizer ids once, so that the training machine needs
no tokenizer and sees exactly the ids the runtime produces. Writes compact .npz files (int16 ids, offsets)."""
import hashlib
import json
import os

import numpy as np
from tqdm import tqdm

import shared_data

TOKENIZER_FILES = ("tokenizer_78b3253a26.model", "vocab.txt")


def load_tokenizer(tokenizer_dir):
    for name in TOKENIZER_FILES:
        if not os.path.exists(os.path.join(tokenizer_dir, name)):
            raise SystemExit(f"{tokenizer_dir}/{name}: missing (run Tools/tokenizer/train_tokenizer.py first)")
    from kobert_transformers.tokenization_kobert import KoBertTokenizer
    return KoBertTokenizer(os.path.join(tokenizer_dir, TOKENIZER_FILES[0]), os.path.join(tokenizer_dir, TOKENIZER_FILES[1]))


def tokenizer_fingerprint(tokenizer_dir):
    """Hash of what decides the ids (pieces, scores, normalizer, vocab.txt), not of the file bytes: a retrained
    model that differs only in recorded trainer options (say model_prefix) keeps its pre-tokenized arrays."""
    from sentencepiece import sentencepiece_model_pb2
    model = sentencepiece_model_pb2.ModelProto()
    with open(os.path.join(tokenizer_dir, TOKENIZER_FILES[0]), "rb") as f:
        model.ParseFromString(f.read())
    digest = hashlib.sha256()
    for piece in model.pieces:
        digest.update(f"{piece.piece}\t{piece.score!r}\t{piece.type}\n".encode())
    digest.update(model.normalizer_spec.SerializeToString(deterministic=True))
    digest.update(str(model.trainer_spec.model_type).encode())
    with open(os.path.join(tokenizer_dir, TOKENIZER_FILES[1]), "rb") as f:
        digest.update(f.read())
    return digest.hexdigest()[:16]


def flatten(sequences):
    offsets = np.zeros(len(sequences) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(s) for s in sequences])
    flat = np.fromiter((x for s in sequences for x in s), dtype=np.int64, count=int(offsets[-1]))
    return flat, offsets


def encode_texts(tokenizer, texts, label):
    return [tokenizer.convert_tokens_to_ids(tokenizer.tokenize(t)) for t in tqdm(texts, desc=label, mininterval=5)]


def ner_arrays(tokenizer, sentences, tag_ids, label):
    """Pieces of each word tokenized on its own (as KoBERT-NER does); the word's tag on its first piece, -100 on
    the rest; the gold word tags kept apart for word-level scoring."""
    pieces, piece_labels, word_labels = [], [], []
    for words, tags in tqdm(sentences, desc=label, mininterval=5):
        ids, labels = [], []
        for word, tag in zip(words, tags):
            word_ids = tokenizer.convert_tokens_to_ids(tokenizer.tokenize(word)) or [tokenizer.unk_token_id]
            ids += word_ids
            labels += [tag_ids[tag]] + [-100] * (len(word_ids) - 1)
        pieces.append(ids)
        piece_labels.append(labels)
        word_labels.append([tag_ids[t] for t in tags])
    ids, offsets = flatten(pieces)
    flat_labels, _ = flatten(piece_labels)
    flat_words, word_offsets = flatten(word_labels)
    return {"ids": ids.astype(np.int16), "offsets": offsets, "piece_labels": flat_labels.astype(np.int8),
            "word_labels": flat_words.astype(np.int8), "word_offsets": word_offsets}


def run(data, tokenizer_dir, out_dir, limit=None):
    os.makedirs(out_dir, exist_ok=True)
    tokenizer = load_tokenizer(tokenizer_dir)
    cut = (lambda rows: rows[:limit]) if limit else (lambda rows: rows)

    nsmc_dev_texts, nsmc_dev_labels = shared_data.nsmc(data, "dev")
    nsmc_train_texts, nsmc_train_labels = shared_data.nsmc(data, "train")
    ner_train, ner_dev = shared_data.ner_split(data)
    tags = shared_data.ner_tags(data)
    tag_ids = {t: i for i, t in enumerate(tags)}

    # Pretraining text never includes NSMC dev reviews nor NER dev sentences, so dev scores stay clean.
    all_reviews = shared_data.unlabeled_reviews(data)
    kept_reviews = shared_data.reviews_without(all_reviews, nsmc_dev_texts)
    wiki = shared_data.korquad_contexts(data) + [" ".join(words) for words, _ in ner_train]
    reviews, wiki = cut(kept_reviews), cut(wiki)
    review_ids = encode_texts(tokenizer, reviews, "pretrain reviews")
    wiki_ids = encode_texts(tokenizer, wiki, "pretrain wiki+ner")
    ids, offsets = flatten(review_ids + wiki_ids)
    is_wiki = np.array([False] * len(review_ids) + [True] * len(wiki_ids))
    np.savez_compressed(os.path.join(out_dir, "pretrain.npz"), ids=ids.astype(np.int16), offsets=offsets, is_wiki=is_wiki)

    for split, texts, labels in (("train", nsmc_train_texts, nsmc_train_labels), ("dev", nsmc_dev_texts, nsmc_dev_labels)):
        texts, labels = cut(texts), cut(labels)
        ids, offsets = flatten(encode_texts(tokenizer, texts, f"nsmc {split}"))
        np.savez_compressed(os.path.join(out_dir, f"nsmc_{split}.npz"), ids=ids.astype(np.int16), offsets=offsets,
                 labels=np.array(labels, dtype=np.int8))
    for split, sentences in (("train", ner_train), ("dev", ner_dev)):
        np.savez_compressed(os.path.join(out_dir, f"ner_{split}.npz"), **ner_arrays(tokenizer, cut(sentences), tag_ids, f"ner {split}"))

    meta = {"vocab_size": tokenizer.vocab_size, "pad_id": tokenizer.pad_token_id, "cls_id": tokenizer.cls_token_id,
            "sep_id": tokenizer.sep_token_id, "mask_id": tokenizer.mask_token_id, "unk_id": tokenizer.unk_token_id,
            "ner_tags": tags, "tokenizer_sha256_16": tokenizer_fingerprint(tokenizer_dir),
            "pretrain_reviews": len(reviews), "unlabeled_lines_dropped_as_nsmc_dev": len(all_reviews) - len(kept_reviews),
            "pretrain_wiki_docs": len(wiki), "pretrain_tokens": int(np.load(os.path.join(out_dir, "pretrain.npz"))["offsets"][-1]),
            "nsmc_train": len(cut(nsmc_train_texts)), "nsmc_dev": len(cut(nsmc_dev_texts)),
            "ner_train": len(cut(ner_train)), "ner_dev": len(cut(ner_dev)), "limit": limit}
    with open(os.path.join(out_dir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1, ensure_ascii=False)
    return meta
