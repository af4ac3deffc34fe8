#!/usr/bin/env bash
# kobertd throughput under concurrent clients, with and without micro-batching.
#   Tools/bench/daemon.sh MODEL.kbt [CLIENTS] [REQUESTS]
# Needs release builds of kobertd and kobert (swift build -c release) and ../shared/data/nsmc/dev.tsv.zst.
# Each configuration starts its own kobertd on a temporary socket, runs `kobert bench-server`
# closed-loop, prints requests/s, p50/p99 and the mean batch size, then stops the daemon.
set -euo pipefail
cd "$(dirname "$0")/../.."
MODEL=${1:?usage: Tools/bench/daemon.sh MODEL.kbt [CLIENTS] [REQUESTS]}
CLIENTS=${2:-16}; REQUESTS=${3:-1500}
B=$(swift build -c release --show-bin-path)
DATA=../shared/data/nsmc/dev.tsv.zst

run() { # label, kobertd flags...
    local label=$1; shift
    local dir; dir=$(mktemp -d); local socket=$dir/kobertd.sock
    "$B/kobertd" --socket "$socket" --model "nsmc=$MODEL" --log-level warning "$@" & local pid=$!
    for _ in $(seq 100); do [ -S "$socket" ] && break; sleep 0.1; done
    local report
    report=$(zstd -dc "$DATA" | "$B/kobert" bench-server --socket "$socket" --clients "$CLIENTS" --requests "$REQUESTS" \
             | grep -E 'requests_per_second|p50_ms|p99_ms|mean_batch_size' | tr '\n' ' ')
    printf '%-34s %s\n' "$label" "$report"
    kill -TERM "$pid"; wait "$pid" || true; rm -rf "$dir"
}

run "one at a time (--threads 1 --max-batch 1)" --threads 1 --max-batch 1
run "two workers, no batching (--max-batch 1)" --max-batch 1
run "default (micro-batching, max-batch 8)"
