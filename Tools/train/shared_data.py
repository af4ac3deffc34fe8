"""Reading ../shared/data: NSMC, unlabeled reviews, Naver NER (with the project's fixed split), KorQuAD contexts."""
import json
import os
import random
import re
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_DATA = os.path.join(os.path.dirname(REPO), "shared", "data")
NER_SPLIT_SEED = 20180
NER_DEV_SIZE = 1000


def read_zst_text(path):
    if not os.path.exists(path):
        raise SystemExit(f"{path}: missing (pass --data pointing at the shared data folder)")
    return subprocess.run(["zstd", "-dc", path], check=True, stdout=subprocess.PIPE).stdout.decode("utf-8")


def read_zst_lines(path):
    return [line for line in read_zst_text(path).split("\n") if line.strip()]


def nsmc(data, split):
    """(texts, labels) of nsmc/{split}.tsv.zst; the header line is skipped."""
    texts, labels = [], []
    for line in read_zst_lines(os.path.join(data, "nsmc", f"{split}.tsv.zst"))[1:]:
        _, document, label = line.split("\t")
        texts.append(document)
        labels.append(int(label))
    return texts, labels


def unlabeled_reviews(data):
    return read_zst_lines(os.path.join(data, "nsmc", "unlabeled.txt.zst"))


def reviews_without(reviews, excluded_texts):
    """`reviews` minus those equal (up to whitespace) to one of `excluded_texts`, order kept: the unlabeled
    reviews with the NSMC dev reviews taken out (pretraining and distillation rows, in pretrain.npz's order)."""
    excluded = {" ".join(t.split()) for t in excluded_texts}
    return [r for r in reviews if " ".join(r.split()) not in excluded]


def ner_tags(data):
    """The 29 tags of label.txt, in file order (UNK, O, PER-B, PER-I, ...): the model's label ids."""
    with open(os.path.join(data, "naver-ner", "label.txt"), encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


def ner_sentences(data):
    sentences = []
    for line in read_zst_lines(os.path.join(data, "naver-ner", "train.tsv.zst")):
        sentence, labels = line.split("\t")
        words, tags = sentence.split(), labels.split()
        if len(words) != len(tags):
            raise SystemExit(f"naver-ner/train.tsv.zst: {len(words)} words but {len(tags)} tags in {sentence[:40]!r}")
        sentences.append((words, tags))
    return sentences


def ner_split(data):
    """The fixed 7,000 / 1,000 split shared by the transformer and the CRF baseline."""
    sentences = ner_sentences(data)
    order = list(range(len(sentences)))
    random.Random(NER_SPLIT_SEED).shuffle(order)
    dev_ids = set(order[:NER_DEV_SIZE])
    train = [s for i, s in enumerate(sentences) if i not in dev_ids]
    dev = [s for i, s in enumerate(sentences) if i in dev_ids]
    return train, dev


def korquad_contexts(data):
    """The distinct Wikipedia paragraphs of the KorQuAD dev file (pretraining text only)."""
    doc = json.loads(read_zst_text(os.path.join(data, "korquad", "KorQuAD_v1.0_dev.json.zst")))
    seen, contexts = set(), []
    for article in doc["data"]:
        for paragraph in article["paragraphs"]:
            context = " ".join(paragraph["context"].split())
            if context not in seen:
                seen.add(context)
                contexts.append(context)
    return contexts


def korquad_sentences(data, min_words=4, max_words=50):
    """The KorQuAD paragraphs cut into sentences (after . ! ?), as word lists: unlabeled Wikipedia text, rich in
    names, places and dates, for the NER distillation pass (Tools/train/crf_kd.py)."""
    sentences = []
    for context in korquad_contexts(data):
        for sentence in re.split(r"(?<=[.!?])\s+", context):
            words = sentence.split()
            if min_words <= len(words) <= max_words:
                sentences.append(words)
    return sentences
