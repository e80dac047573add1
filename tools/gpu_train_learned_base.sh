#!/usr/bin/env bash
# Train the learned base on a lent GPU (the `device` tool's machine) in one call, resuming
# the committed run: prepare with `python tools/prepare_gpu_training.py`, then call the device
# with this script and carry [".gpudata", ".whl"], and copy $OUT/checkpoint.pt and
# $OUT/log.jsonl back into training/learned-base/. 0.07 h at lr 3e-4, then 0.025 h at 3e-5
# (HOURS_A, HOURS_B); GPU time is logged as gpu_hours, never as cpu_hours.
set -o pipefail
export PYTHONUNBUFFERED=1
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD/src
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
python3 -c "import torch, constriction, srcodec.train.learned_base; print('torch', torch.__version__)" || exit 1
timeout 90 python3 tools/bench_gpu.py --repeat 20 --cpu-threads 2 2>&1 | tee "$OUT/bench_gpu.md"
T="python3 tools/train.py learned-base --run training/learned-base --data .gpudata/train
   --device cuda --batch 32 --patch 256 --clip 1 --val-minutes 100 --threads 8"
$T --lr 3e-4 --hours "${HOURS_A:-0.07}" 2>&1 | grep -v " data " | tee "$OUT/train_a.log"
cp training/learned-base/checkpoint.pt training/learned-base/log.jsonl "$OUT/"
$T --lr 3e-5 --hours "${HOURS_B:-0.025}" 2>&1 | grep -v " data " | tee "$OUT/train_b.log"
cp training/learned-base/checkpoint.pt training/learned-base/log.jsonl "$OUT/"
