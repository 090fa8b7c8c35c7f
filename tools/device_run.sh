#!/usr/bin/env bash
# One device run (prepared by tools/device_prepare); environment: DEV, N_BIG, M_BIG, M_CMP, SKIP_CMP=1, OUT.
# (1) train a model on many in-memory synthetic clips on CUDA (how models/default was made),
# (2) foley vs tools/baseline_train.py side by side on CUDA on the carried 40-clip cache.
set -u
DEV="${DEV:-cuda}"; M_BIG="${M_BIG:-4}"; M_CMP="${M_CMP:-1}"; N_BIG="${N_BIG:-1500}"; PY="${PY:-python3}"
OUT="${OUT:-/tmp/gpuout}"; mkdir -p "$OUT"
W=/tmp/w; rm -rf $W; mkdir -p $W
LOG="$OUT/log.txt"
exec > >(tee -a "$LOG") 2>&1
if [ "$DEV" = cuda ]; then
  export LD_LIBRARY_PATH="$($PY -c 'import torch,os;print(os.path.dirname(torch.__file__)+"/lib")')"
  nvidia-smi -L; nproc
fi
F=.gpu/foley
$F --version || exit 1
echo "== big run $(date +%T)"
(nvidia-smi dmon -s u -d 5 > $W/dmon.txt 2>&1 &) 2>/dev/null
timeout 380 $F train --synth-videos "$N_BIG" --synth-seconds 10 --device "$DEV" --config models/default.toml \
  --minutes "$M_BIG" --out $W/big --json > $W/big.json
echo "big rc=$? $(cat $W/big.json)"
tar cf "$OUT/big.tar" -C $W big/model.safetensors big/config.json big/card.md big/loss.png big/metrics.jsonl big.json 2>&1
[ "${SKIP_CMP:-0}" = 1 ] && exit 0
echo "== side by side $(date +%T)"
mkdir -p $W/fd && cp .gpu/fd/* $W/fd/ && tar xJf .gpu/fd-cache.tar.xz -C $W/fd
printf 'epochs = 200\n[model.readouts]\nloudness = false\n[loss]\nloudness = 0.0\n' > $W/bench.toml
$F train --print-config --config $W/bench.toml > $W/bench.json
$F --quiet train --data $W/fd --out $W/foley --config $W/bench.toml --no-bank --minutes "$M_CMP" --device "$DEV" --json > $W/foley.json
echo "foley rc=$? $(cat $W/foley.json)"
$PY tools/baseline_train.py --data $W/fd --out $W/baseline --config-json $W/bench.json --minutes "$M_CMP" --device "$DEV" > $W/baseline.json
echo "baseline rc=$? $(cat $W/baseline.json)"
for r in foley baseline; do
  $F --quiet train --data $W/fd --out $W/$r --validate-only --device "$DEV" > $W/$r-val.json; echo "$r val rc=$? $(cat $W/$r-val.json)"
done
pkill -f "nvidia-smi dmon" 2>/dev/null
tar cf "$OUT/cmp.tar" -C $W foley.json baseline.json foley-val.json baseline-val.json foley/metrics.jsonl baseline/metrics.jsonl dmon.txt 2>&1
echo "== done $(date +%T)"
