"""Ours: `kobert bench` times its own passes (its own process); `kobert predict --ids` gives logits."""
import json
import subprocess
from pathlib import Path

import numpy as np

from .common import reference_inputs


class OursInt8:
    key, title, requires = "ours-int8", "ours int8 (.kbt)", ()

    def artifact(self, context):
        return Path(context["kbt"])

    def _kobert(self, context):
        kobert = Path(context["bin"]) / "kobert"
        if not kobert.exists():
            raise SystemExit(f"{kobert}: missing (swift build -c release, or --bin DIR)")
        return kobert

    def setup(self, context):
        kobert = self._kobert(context)
        if not self.artifact(context).exists():
            raise SystemExit(f"{self.artifact(context)}: missing")
        return f"{kobert} bench --model {self.artifact(context)}"

    def logits(self, context):
        ids, _ = reference_inputs(context)
        lines = "".join(json.dumps([int(i) for i in row]) + "\n" for row in ids)
        out = subprocess.run([str(self._kobert(context)), "predict", "--model", str(self.artifact(context)),
                              "--task", "nsmc", "--ids"], input=lines, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise SystemExit(f"kobert predict: {out.stderr.strip().splitlines()[-1:] or out.returncode}")
        return np.array([json.loads(line)["logits"] for line in out.stdout.splitlines() if line.strip()])

    def command(self, context, seq_len, batch, threads, iterations, warmup):
        return [str(self._kobert(context)), "bench", "--model", str(self.artifact(context)), "--seq-len", str(seq_len),
                "--batch", str(batch), "--threads", str(threads), "--iterations", str(iterations),
                "--warmup", str(warmup), "--json"]


class OursFp32(OursInt8):
    key, title = "ours-fp32", "ours fp32 (folder)"

    def artifact(self, context):
        return Path(context["checkpoint"])


PEERS = [OursInt8(), OursFp32()]
