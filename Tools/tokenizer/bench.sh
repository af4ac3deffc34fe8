#!/usr/bin/env bash
# One-thread tokenizer benchmark: spm_encode (C++) vs the Swift tokenizer on the 662,383 NSMC
# unlabeled reviews, three interleaved runs each, printing wall and user seconds.
#   Tools/tokenizer/bench.sh [DATA_DIR]   (default ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/../.."
data="${1:-../shared/data}"
text=.build-tokenizer/unlabeled.txt
mkdir -p .build-tokenizer
[ -s "$text" ] || zstd -dc "$data/nsmc/unlabeled.txt.zst" > "$text"
[ -x .build-tokenizer/kobert-tokenizer-tool ] || Tools/tokenizer/build_tool.sh
model=models/tokenizer
echo "lines: $(wc -l < "$text")"
for i in 1 2 3; do
  /usr/bin/time -f "spm_encode      wall %e s  user %U s" taskset -c 0 spm_encode --model=$model/tokenizer_78b3253a26.model --output_format=id < "$text" > /dev/null
  /usr/bin/time -f "swift (KoBERT)  wall %e s  user %U s" taskset -c 0 .build-tokenizer/kobert-tokenizer-tool ids $model < "$text" > /dev/null
  /usr/bin/time -f "swift (sp only) wall %e s  user %U s" taskset -c 0 .build-tokenizer/kobert-tokenizer-tool spids $model < "$text" > /dev/null
done
