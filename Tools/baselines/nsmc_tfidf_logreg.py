#!/usr/bin/env python3
"""NSMC baseline: character 1-4-gram TF-IDF + logistic regression, trained on nsmc/train, scored on nsmc/dev.

  .venv/bin/python Tools/baselines/nsmc_tfidf_logreg.py [--data ../shared/data] [--json out.json]
"""
import argparse
import json
import os
import sys
import time

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "train"))
from shared_data import DEFAULT_DATA, nsmc  # noqa: E402


def tfidf_logreg(c=2.0):
    """The baseline model, unfitted: texts in, P(negative), P(positive) out (also the n-gram half of
    Tools/train/ngram_kd.py's teacher)."""
    return make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 4), min_df=2, sublinear_tf=True),
                         LogisticRegression(C=c, max_iter=2000))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--c", type=float, default=2.0, help="inverse regularisation strength")
    parser.add_argument("--json", default=None, help="also write the metrics here")
    args = parser.parse_args()

    started = time.time()
    train_texts, train_labels = nsmc(args.data, "train")
    dev_texts, dev_labels = nsmc(args.data, "dev")
    model = tfidf_logreg(args.c).fit(train_texts, train_labels)
    predicted = model.predict(dev_texts)
    accuracy = 100.0 * sum(int(p == g) for p, g in zip(predicted, dev_labels)) / len(dev_labels)
    result = {"baseline": "char 1-4-gram tf-idf + logistic regression", "nsmc_dev_accuracy": round(accuracy, 2),
              "features": len(model[0].vocabulary_), "train": len(train_texts), "dev": len(dev_texts),
              "wall_s": round(time.time() - started, 1)}
    print(json.dumps(result))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
