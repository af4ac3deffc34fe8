#!/usr/bin/env python3
"""Does ONNX Runtime's u8 x s8 integer product saturate on this CPU? A row of 255s against a column of 127s.

    .venv/bin/python Tools/bench/ort_saturation.py

Exact sums are 64770 (k=2) and 2072640 (k=64). On an AVX2 CPU without VNNI (AMD EPYC Zen 3, ORT 1.32.0) it
printed 32767 and 1048544: every pair sum clamped to int16, the vpmaddubsw route, which is why ORT's int8 runs
~25 % more MACs per cycle than an exact one there (see Tools/bench/kernels/avx2_peak.c). Our int8 kernels are
exact on every CPU; they take that route only for weights of <= 7 bits, where it cannot saturate.
"""
import numpy as np, onnx, onnxruntime as ort
from onnx import helper, TensorProto
for k in (2, 64):
    A = helper.make_tensor_value_info("A", TensorProto.UINT8, [1, k])
    B = helper.make_tensor("B", TensorProto.INT8, [k, 16], np.full((k, 16), 127, np.int8).tobytes(), raw=True)
    Y = helper.make_tensor_value_info("Y", TensorProto.INT32, [1, 16])
    g = helper.make_graph([helper.make_node("MatMulInteger", ["A", "B"], ["Y"])], "g", [A], [Y], [B])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    s = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    y = s.run(None, {"A": np.full((1, k), 255, np.uint8)})[0]
    print(f"k={k}: ORT {ort.__version__} MatMulInteger gives {y[0,0]}, exact {255*127*k}")
