"""ONNX Runtime: fp32, dynamic int8 (quantize_dynamic, QInt8) and fused (transformers optimizer, then int8)."""
from pathlib import Path

REQUIRES = ("onnxruntime", "onnx")


def _session(path, threads):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    names = {i.name for i in session.get_inputs()}

    def run(ids, mask):
        feed = {"input_ids": ids, "attention_mask": mask}
        return session.run(None, {k: v for k, v in feed.items() if k in names})[0]
    return run


class OrtFp32:
    key, title, requires = "ort-fp32", "ORT fp32", REQUIRES

    def artifact(self, context):
        return Path(context["onnx_fp32"])

    def setup(self, context):
        return "the exported graph as is"

    def load(self, context, threads):
        return _session(self.artifact(context), threads)


class OrtInt8(OrtFp32):
    key, title = "ort-int8", "ORT dynamic int8"

    def artifact(self, context):
        return Path(context["work"]) / "model.int8.onnx"

    def setup(self, context):
        from onnxruntime.quantization import QuantType, quantize_dynamic
        quantize_dynamic(context["onnx_fp32"], str(self.artifact(context)), weight_type=QuantType.QInt8)
        return "quantize_dynamic(weight_type=QInt8)"


class OrtFused(OrtFp32):
    key, title = "ort-fused", "ORT fused int8"

    def artifact(self, context):
        return Path(context["work"]) / "model.fused.int8.onnx"

    def setup(self, context):
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from onnxruntime.transformers.optimizer import optimize_model
        config = context["config"]
        fused_path = Path(context["work"]) / "model.fused.onnx"
        optimized = optimize_model(context["onnx_eager"], model_type="bert", num_heads=config["heads"],
                                   hidden_size=config["hidden"])
        stats = {k: v for k, v in optimized.get_fused_operator_statistics().items() if v}
        optimized.save_model_to_file(str(fused_path))
        # Without DefaultTensorType the quantizer cannot type the fused ops' outputs and stops.
        quantize_dynamic(str(fused_path), str(self.artifact(context)), weight_type=QuantType.QInt8,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        fused = ", ".join(f"{k} {v}" for k, v in sorted(stats.items())) or "nothing fused"
        if not stats.get("Attention") and not stats.get("MultiHeadAttention"):
            fused += " (WARNING: attention not fused)"
        return f"eager-attention export, optimize_model(bert, {config['heads']} heads, {config['hidden']}): {fused}; then quantize_dynamic"


PEERS = [OrtInt8(), OrtFused(), OrtFp32()]
