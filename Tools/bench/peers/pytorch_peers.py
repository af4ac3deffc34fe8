"""PyTorch eager: fp32, and dynamic int8 on every Linear (torch.ao.quantization.quantize_dynamic)."""
from pathlib import Path

REQUIRES = ("torch", "transformers")
# Spinning OpenMP workers stall for ~160 ms when the box is shared; passive waits are the fair setting.
ENV = {"OMP_WAIT_POLICY": "PASSIVE"}


class TorchFp32:
    key, title, requires, env = "torch-fp32", "PyTorch fp32", REQUIRES, ENV

    def artifact(self, context):
        return Path(context["checkpoint"])

    def setup(self, context):
        return "eager, torch.inference_mode"

    def _model(self, context):
        from .common import load_model
        return load_model(context["checkpoint"])[0]

    def load(self, context, threads):
        import torch
        torch.set_num_threads(threads)
        model = self._model(context)

        def run(ids, mask):
            with torch.inference_mode():
                return model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).logits.numpy()
        return run


class TorchInt8(TorchFp32):
    key, title = "torch-int8", "PyTorch dynamic int8"

    def artifact(self, context):
        return None

    def setup(self, context):
        return "quantize_dynamic({Linear}, qint8), OMP_WAIT_POLICY=PASSIVE"

    def _model(self, context):
        import warnings
        import torch
        model = super()._model(context)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch.ao.quantization's deprecation notice
            return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


PEERS = [TorchInt8(), TorchFp32()]
