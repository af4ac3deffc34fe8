"""CTranslate2 int8 encoder; its Encoder returns hidden states, so the classifier head runs in numpy
(DistilBERT: pre_classifier, ReLU, classifier) inside the timed call."""
from pathlib import Path

import numpy as np


class CTranslate2Int8:
    key, title, requires = "ctranslate2-int8", "CTranslate2 int8", ("ctranslate2", "transformers", "torch")

    def artifact(self, context):
        return Path(context["work"]) / "ctranslate2"

    def setup(self, context):
        import ctranslate2
        from ctranslate2.converters import TransformersConverter
        if context["config"]["model_type"] != "distilbert":
            raise SystemExit(f"model_type {context['config']['model_type']}: only DistilBERT's head is written here")
        TransformersConverter(context["hf_dir"]).convert(str(self.artifact(context)), quantization="int8", force=True)
        return f"TransformersConverter(quantization=int8), CTranslate2 {ctranslate2.__version__}; head in numpy"

    def load(self, context, threads):
        import ctranslate2
        encoder = ctranslate2.Encoder(str(self.artifact(context)), device="cpu", compute_type="int8",
                                      intra_threads=threads, inter_threads=1)
        head = np.load(Path(context["work"]) / "head.npz")
        w1, b1, w2, b2 = (head[k].astype(np.float32) for k in ("pre_w", "pre_b", "cls_w", "cls_b"))

        def run(ids, mask):
            lengths = mask.sum(axis=1).astype(np.int32)
            out = encoder.forward_batch(ctranslate2.StorageView.from_array(ids.astype(np.int32)),
                                        ctranslate2.StorageView.from_array(lengths))
            first = np.asarray(out.last_hidden_state)[:, 0, :]
            return np.maximum(first @ w1.T + b1, 0) @ w2.T + b2
        return run


PEERS = [CTranslate2Int8()]
