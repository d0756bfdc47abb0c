#!/usr/bin/env bash
# Rebuild the synthetic demonstration bundle models/demo-synthetic/ from scratch, by the same path a
# hospital's data scientists take with their own patients:
#   1. build-cohort.ts          — the 475-patient synthetic study as DICOM CT + SEG, cases.csv, CNN crops (out/, git-ignored)
#   2. train_cnn.py             — small 3-D CNN on the train patients' crops → out/extractor/dl.onnx
#   3. tace-risk model features — the feature table from the DICOM studies, by the worker's own code
#   4. tace-risk model develop  — screening, Rad/DL/DLR/combined models, validation, report, bundle
# The bundle goes to models/demo-synthetic/, the development report to models/demo-synthetic-report/.
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
out="$here/out"
mkdir -p "$out/extractor"
cd "$repo"
node "$here/build-cohort.ts"
"$PY" "$here/train_cnn.py" "$out" "$out/extractor"
node packages/cli/bin/tace-risk.mjs model features --cases "$out/cases.csv" --bundle "$out/extractor" --out "$out/features.csv"
node packages/cli/bin/tace-risk.mjs model develop --cohort "$out/features.csv" --config "$here/develop.yaml" --out "$out/develop"
rm -rf "$repo/models/demo-synthetic" "$repo/models/demo-synthetic-report"
mv "$out/develop/bundle" "$repo/models/demo-synthetic"
mkdir -p "$repo/models/demo-synthetic-report"
cp "$out/develop/"*.svg "$out/develop/report.html" "$out/develop/results.json" "$out/develop/predictions.csv" "$repo/models/demo-synthetic-report/"
end=$(date +%s%N)
ms=$(( (end - start) / 1000000 ))
printf 'build.sh: bundle rebuilt in %d.%03d s (wall time)\n' $((ms / 1000)) $((ms % 1000))
