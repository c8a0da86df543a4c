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
Only the standard library, numpy and torch are needed.
"""

import json
import re
import struct
import sys

import numpy as np
import torch
import torch.nn as nn

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


def split_layers(text):
    """Split a spec into layer tokens, keeping nested parentheses whole."""
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch.isspace() and depth == 0:
            if cur:
                out.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        out.append(cur)
    return out


def split_args(text):
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def pair(v):
    a, _, b = v.partition("x")
    return (int(a), int(b or a))


class Residual(nn.Module):
    """gocnn's residual block: body(x) + shortcut(x)."""

    def __init__(self, body, shortcut):
        super().__init__()
        self.body = body
        if shortcut is not None:
            self.shortcut = shortcut

    def forward(self, x):
        s = self.shortcut(x) if hasattr(self, "shortcut") else x
        return self.body(x) + s


def build(spec, shape):
    """Build nn.Sequential for a gocnn spec and an input shape [C,H,W]."""
    layers = []
    c, h, w = shape if len(shape) == 3 else (shape[0], None, None)
    flat = None if len(shape) == 3 else shape[0]
    for tok in split_layers(spec):
        m = re.fullmatch(r"(\w+)(?:\((.*)\))?", tok, re.S)
        name, argtext = m.group(1), m.group(2) or ""
        args = split_args(argtext)
        pos = [a for a in args if "=" not in a or a.startswith("(")]
        kw = dict(a.split("=", 1) for a in args if "=" in a and not a.startswith("("))
        if name == "conv":
            out, k = int(pos[0]), pair(pos[1])
            s, p = pair(kw.get("stride", "1")), pair(kw.get("pad", "0"))
            layers.append(nn.Conv2d(c, out, k, stride=s, padding=p))
            h, w = (h + 2 * p[0] - k[0]) // s[0] + 1, (w + 2 * p[1] - k[1]) // s[1] + 1
            c = out
        elif name in ("maxpool", "avgpool"):
            k = pair(pos[0])
            s = pair(kw["stride"]) if "stride" in kw else k
            layers.append((nn.MaxPool2d if name == "maxpool" else nn.AvgPool2d)(k, stride=s))
            h, w = (h - k[0]) // s[0] + 1, (w - k[1]) // s[1] + 1
        elif name == "globalavgpool":
            layers.append(nn.AdaptiveAvgPool2d(1))
            h = w = 1
        elif name == "flatten":
            layers.append(nn.Flatten())
            flat = c * h * w
        elif name == "dense":
            out = int(pos[0])
            layers.append(nn.Linear(flat, out))
            flat = out
        elif name == "dropout":
            layers.append(nn.Dropout(float(pos[0])))
        elif name == "batchnorm":
            mom, eps = float(kw.get("momentum", 0.1)), float(kw.get("eps", 1e-5))
            layers.append(nn.BatchNorm1d(flat, eps=eps, momentum=mom) if flat is not None
                          else nn.BatchNorm2d(c, eps=eps, momentum=mom))
        elif name == "relu":
            layers.append(nn.ReLU())
        elif name == "leakyrelu":
            layers.append(nn.LeakyReLU(float(pos[0]) if pos else 0.01))
        elif name == "sigmoid":
            layers.append(nn.Sigmoid())
        elif name == "tanh":
            layers.append(nn.Tanh())
        elif name == "softmax":
            layers.append(nn.Softmax(dim=1))
        elif name == "residual":
            body, shape_out = build(argtext, [c, h, w])
            shortcut = None
            if shape_out != [c, h, w]:
                sh, sw = -(-h // shape_out[1]), -(-w // shape_out[2])
                shortcut = nn.Conv2d(c, shape_out[0], 1, stride=(sh, sw))
            layers.append(Residual(body, shortcut))
            c, h, w = shape_out
        else:
            raise SystemExit(f"pytorch_check: no PyTorch equivalent for layer {name!r}")
    return nn.Sequential(*layers), ([c, h, w] if flat is None else [flat])


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    weights, meta = read_safetensors(sys.argv[1])
    case, case_meta = read_safetensors(sys.argv[2])
    shape = json.loads(meta["input"])["shape"]
    net, _ = build(meta["spec"], shape)
    state = {k: v for k, v in weights.items() if not k.startswith("state/")}
    # num_batches_tracked is an integer in PyTorch; gocnn keeps it as float32.
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
