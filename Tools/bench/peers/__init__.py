"""One class per peer runtime. Each has key, title, requires (modules it imports), optional env, and
setup(context) (build its files, return a one-line description) plus either load(context, threads) ->
run(ids, mask) -> logits (timed by `compare.py --worker`) or command(...) (a program that times itself)."""
from . import ctranslate2_peer, ort_peers, openvino_peer, ours, pytorch_peers

PEERS = {p.key: p for module in (ours, ort_peers, openvino_peer, ctranslate2_peer, pytorch_peers)
         for p in module.PEERS}
