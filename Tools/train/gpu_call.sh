#!/usr/bin/env bash
# The one device call that trained the shipped models (run from the repo root on a GPU machine, with the
# pre-tokenized arrays in .device/pretok and $OUT the folder whose files come back).
#   here:   .venv/bin/python Tools/train/run_all --preset gpu --stages tokenizer,pretokenize --pretok-dir .device/pretok
#   device: bash Tools/train/gpu_call.sh        (carry .device; timeout_s 590; about 8.5 minutes; PRESET=gpu-kd for task distillation)
#           bash Tools/train/gpu_call.sh ARGS   (ARGS go to run_all, e.g. --stages ner_teacher,ner --force ner_teacher on a warm machine)
#   here:   .venv/bin/python Tools/train/fetch_gpu_models.py DIR_WITH_THE_RETURNED_FILES
set -o pipefail
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/gpu-out}
mkdir -p "$OUT"
{
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  python3 -c "import sys, torch, transformers, numpy; print(sys.version.split()[0], 'torch', torch.__version__, 'transformers', transformers.__version__, 'numpy', numpy.__version__)"
  python3 Tools/train/run_all --preset "${PRESET:-gpu}" --pretok-dir .device/pretok --work /tmp/train-work --publish "$OUT" \
    --deadline-s "${DEADLINE_S:-560}" --keep-going "$@"
} 2>&1 | tee "$OUT/run.log"
