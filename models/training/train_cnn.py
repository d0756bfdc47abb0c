#!/usr/bin/python3
"""Train the demo bundle's small 3-D CNN on the train patients' ROI crops and export ONNX.

Input (written by build-cohort.ts): <out>/crops.f32 (float32, N x D x H x W, C order, exactly the
tensors @tace/models preprocessForDl produces in production) and <out>/cohort.json (ids, labels,
split train / test). Output: <extractor>/dl.onnx (opset 13; input "input" [N,1,D,H,W]; outputs
"logit" [N,1] and "features" [N,F], the penultimate layer). `tace-risk model features` then runs
it through onnxruntime on every patient, exactly as the worker will; the test patients are only
used for the AUC printed here.

Deterministic: fixed seeds, single thread, torch.use_deterministic_algorithms.
Run with Debian's /usr/bin/python3 (python3-torch 1.13, python3-onnx).
"""
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

SEED = 20261127
EPOCHS = int(os.environ.get("TACE_CNN_EPOCHS", "60"))
FEATURES = 8
BATCH = 32

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)


class SmallCnn(nn.Module):
    """Strided 3-D conv stem (8 ch) + 2 conv blocks (16 ch) -> global avg + max pool -> FEATURES -> 1 logit.

    Kept tiny on purpose: it must train in seconds on a shared 2-core CPU, and 280 training
    patients do not support more parameters."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv3d(1, 8, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv3d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool3d(2),
            nn.Conv3d(16, 16, 3, padding=1), nn.ReLU(),
        )
        self.avg = nn.Sequential(nn.AdaptiveAvgPool3d(1), nn.Flatten())
        self.max = nn.Sequential(nn.AdaptiveMaxPool3d(1), nn.Flatten())
        self.embed = nn.Sequential(nn.Linear(32, FEATURES), nn.ReLU())
        self.head = nn.Linear(FEATURES, 1)

    def forward(self, x):
        b = self.body(x)
        f = self.embed(torch.cat([self.avg(b), self.max(b)], dim=1))
        return self.head(f), f


def augment(x, gen):
    """Random flips along the three axes (the phantom has no preferred orientation)."""
    for axis in (2, 3, 4):
        if torch.rand(1, generator=gen).item() < 0.5:
            x = torch.flip(x, dims=(axis,))
    return x


def train(x, y, seed):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = SmallCnn()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-3)
    pos = float(y.sum())
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=torch.tensor((len(y) - pos) / max(pos, 1.0)))
    n = len(y)
    for _ in range(EPOCHS):
        model.train()
        perm = torch.randperm(n, generator=gen)
        for s in range(0, n, BATCH):
            idx = perm[s:s + BATCH]
            logit, _ = model(augment(x[idx], gen))
            loss = loss_fn(logit.squeeze(1), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    return model


def predict(model, x):
    with torch.no_grad():
        logit, feats = model(x)
    return logit.squeeze(1).numpy(), feats.numpy()


def auc(scores, labels):
    """Mann-Whitney AUC (ties count 1/2), for the log line only."""
    pos = scores[labels == 1]
    neg = scores[labels == 0]
    gt = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return gt / (len(pos) * len(neg))


def main():
    out_dir, bundle_dir = sys.argv[1], sys.argv[2]
    cohort = json.load(open(os.path.join(out_dir, "cohort.json")))
    d, h, w = cohort["cropShape"]
    crops = np.fromfile(os.path.join(out_dir, "crops.f32"), dtype="<f4").reshape(-1, 1, d, h, w)
    patients = cohort["patients"]
    assert crops.shape[0] == len(patients), "crops.f32 and cohort.json disagree"
    labels = np.array([p["outcome"] for p in patients], dtype=np.float32)
    train_idx = np.array([i for i, p in enumerate(patients) if p["split"] == "train"])
    test_idx = np.array([i for i, p in enumerate(patients) if p["split"] == "test"])
    x = torch.from_numpy(crops)
    y = torch.from_numpy(labels)
    t0 = time.time()

    final = train(x[train_idx], y[train_idx], SEED)
    tr_logit, _ = predict(final, x[train_idx])
    te_logit, _ = predict(final, x[test_idx])
    print(f"cnn: final model AUC train {auc(tr_logit, labels[train_idx]):.3f} test {auc(te_logit, labels[test_idx]):.3f}; {time.time() - t0:.1f} s")

    onnx_path = os.path.join(bundle_dir, "dl.onnx")
    torch.onnx.export(
        final, torch.zeros(1, 1, d, h, w), onnx_path, opset_version=13,
        input_names=["input"], output_names=["logit", "features"],
        dynamic_axes={"input": {0: "batch"}, "logit": {0: "batch"}, "features": {0: "batch"}},
        do_constant_folding=True,
    )
    import onnx
    onnx.checker.check_model(onnx.load(onnx_path))

    print(f"cnn: wrote {onnx_path}")


if __name__ == "__main__":
    main()
