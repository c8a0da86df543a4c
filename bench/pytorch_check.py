#!/usr/bin/python3
"""Check gocnn's numbers against PyTorch's on the same weights.

Reads a gocnn model file (safetensors; the architecture comes from the
"spec" in its metadata), builds the same network in PyTorch, loads the
weights with load_state_dict(strict=True), and compares, for the inputs
and labels in a second safetensors file written by gocnn:

  - the logits (the network's outputs),
  - the mean softmax cross-entropy loss,
  - the gradient of that loss with respect to every parameter.

Usage: pytorch_check.py MODEL.safetensors CASE.safetensors

CASE holds "input" [N,C,H,W], "labels" [N] (as float32), "logits" [N,K],
"loss" [1], and "grad/<name>" for every trainable parameter; its metadata
"mode" is "train" or "eval", the mode both networks run in. It exits with
status 1 and says what differs when any number is off by more than the
tolerance: 1e-4 of the largest magnitude of that quantity (for a
gradient, of at least a hundredth of the network's largest gradient).
Only the standard library, numpy and torch are needed; the network is
built by gocnn_nets.py, beside this script.
"""

import json
import struct
import sys

import numpy as np
import torch
import torch.nn as nn

from gocnn_nets import build

DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64}


def read_safetensors(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {}) or {}
    base = 8 + n
    tensors = {}
    for name, t in header.items():
        begin, end = t["data_offsets"]
        arr = np.frombuffer(raw[base + begin:base + end], dtype=DTYPES[t["dtype"]]).reshape(t["shape"])
        tensors[name] = torch.from_numpy(arr.copy())
    return tensors, meta


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    weights, meta = read_safetensors(sys.argv[1])
    case, case_meta = read_safetensors(sys.argv[2])
    shape = json.loads(meta["input"])["shape"]
    net, _ = build(meta["spec"], shape)
    state = {k: v for k, v in weights.items() if not k.startswith("state/")}
    # num_batches_tracked is a 0-d int64 in PyTorch; gocnn files hold it as an
    # int64 of shape [] (older ones as a float32).
    for k in list(state):
        if k.endswith("num_batches_tracked"):
            state[k] = state[k].reshape([]).long()
    net.load_state_dict(state, strict=True)
    net.train(case_meta.get("mode") == "train")

    x = case["input"]
    labels = case["labels"].long()
    logits = net(x)
    loss = nn.functional.cross_entropy(logits, labels)
    loss.backward()

    worst, failed = 0.0, []
    # Gradients of parameters that cannot change the loss (a bias just
    # before batch norm) are zero up to rounding in both; no tensor's
    # scale is taken below a hundredth of the network's largest gradient.
    grad_scale = max((p.grad.abs().max().item() for p in net.parameters()), default=0.0)

    def compare(what, ours, theirs, floor=0.0):
        nonlocal worst
        ours, theirs = ours.detach().double(), theirs.detach().double()
        if list(ours.shape) != list(theirs.shape):
            failed.append(f"{what}: shape {list(ours.shape)} vs PyTorch {list(theirs.shape)}")
            return
        if not (torch.isfinite(ours).all() and torch.isfinite(theirs).all()):
            failed.append(f"{what}: not finite (gocnn {ours.flatten()[:4].tolist()}, PyTorch {theirs.flatten()[:4].tolist()})")
            return
        scale = max(theirs.abs().max().item(), floor, 1e-12)
        err = (ours - theirs).abs().max().item() / scale
        worst = max(worst, err)
        if err > 1e-4:
            failed.append(f"{what}: differs by {err:.2e} of its largest value {scale:.3g}")

    compare("logits", case["logits"], logits)
    compare("loss", case["loss"].reshape([]), loss)
    grads = {n: p.grad for n, p in net.named_parameters()}
    for name, g in grads.items():
        key = "grad/" + name
        if key not in case:
            failed.append(f"gocnn gave no gradient for {name}")
            continue
        compare(key, case[key], g, floor=1e-2 * grad_scale)
    print(f"{len(grads)} gradients, logits and loss compared; worst relative difference {worst:.2e}")
    if failed:
        print("\n".join(failed))
        sys.exit(1)


if __name__ == "__main__":
    main()
