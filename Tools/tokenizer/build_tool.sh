#!/usr/bin/env bash
# Builds kobert-tokenizer-tool (release, -O) from Sources/KoBERTTokenizer alone, without SwiftPM,
# so the tokenizer can be checked and benchmarked while the rest of the package is being built.
#   Tools/tokenizer/build_tool.sh [OUTPUT]   (default .build-tokenizer/kobert-tokenizer-tool)
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-.build-tokenizer/kobert-tokenizer-tool}"
mkdir -p "$(dirname "$out")"
swiftc -O -wmo -module-name KoBERTTokenizerTool Sources/KoBERTTokenizer/*.swift Tools/tokenizer/tool/main.swift -o "$out"
echo "$out"
