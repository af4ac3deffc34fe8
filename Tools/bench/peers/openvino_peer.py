"""OpenVINO with NNCF post-training int8, calibrated on real token ids (NSMC dev reviews)."""
import json
from pathlib import Path

import numpy as np


class OpenVinoNncf:
    key, title, requires = "openvino-int8", "OpenVINO + NNCF int8", ("openvino", "nncf")

    def artifact(self, context):
        return Path(context["work"]) / "openvino" / "model.int8.xml"

    def setup(self, context):
        import nncf
        import openvino as ov
        calibration = json.loads(Path(context["calibration"]).read_text())
        items = [{"input_ids": np.array([ids], dtype=np.int64), "attention_mask": np.ones((1, len(ids)), np.int64)}
                 for ids in calibration["ids"]]
        model = ov.convert_model(context["onnx_fp32"])
        quantized = nncf.quantize(model, nncf.Dataset(items), model_type=nncf.ModelType.TRANSFORMER,
                                  subset_size=len(items))
        self.artifact(context).parent.mkdir(parents=True, exist_ok=True)
        # Keep fp32 constants fp32: the comparison is int8 products, not fp16 storage.
        ov.save_model(quantized, str(self.artifact(context)), compress_to_fp16=False)
        return (f"nncf.quantize(TRANSFORMER), {len(items)} calibration sequences from {calibration['source']}; "
                f"OpenVINO {ov.__version__}, nncf {nncf.__version__}")

    def load(self, context, threads):
        import openvino as ov
        compiled = ov.Core().compile_model(str(self.artifact(context)), "CPU", {
            "INFERENCE_NUM_THREADS": threads, "NUM_STREAMS": 1, "PERFORMANCE_HINT": "LATENCY"})
        request = compiled.create_infer_request()
        names = {p.get_any_name() for p in compiled.inputs}

        def run(ids, mask):
            feed = {k: v for k, v in {"input_ids": ids, "attention_mask": mask}.items() if k in names}
            return request.infer(feed)[compiled.outputs[0]].copy()
        return run


PEERS = [OpenVinoNncf()]
