#!/usr/bin/env bash
# Rebuild the synthetic demonstration model bundle models/demo-synthetic/ from scratch:
#   1. build-cohort.ts — synthetic cohort → radiomics features, DL crops, split  (out/, git-ignored)
#   2. train_cnn.py    — small 3-D CNN on the crops → demo-synthetic/dl.onnx + out-of-fold logits
#   3. fit-bundle.ts   — selection, fusion, nomogram, thresholds, AUCs → manifest.json, MODEL_CARD.md …
# Needs: Node ≥ 22 from the repo (node_modules/.bin), Debian python3-torch + python3-onnx for /usr/bin/python3.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export PATH="$repo/node_modules/.bin:$PATH"
PY="${TACE_PYTHON:-/usr/bin/python3}"
if ! "$PY" -c 'import torch, onnx' 2>/dev/null; then
  echo "build.sh: $PY cannot import torch and onnx; install them with: apt-get install -y python3-torch python3-onnx" >&2
  exit 1
fi
start=$(date +%s%N)
mkdir -p "$here/out" "$repo/models/demo-synthetic"
cd "$repo"
node "$here/build-cohort.ts"
"$PY" "$here/train_cnn.py" "$here/out" "$repo/models/demo-synthetic"
node "$here/fit-bundle.ts"
end=$(date +%s%N)
ms=$(( (end - start) / 1000000 ))
printf 'build.sh: bundle rebuilt in %d.%03d s (wall time)\n' $((ms / 1000)) $((ms % 1000))
