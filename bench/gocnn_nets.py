"""gocnn's networks in PyTorch, layer for layer, for the scripts in bench/.

build(spec, shape) turns a gocnn spec text, such as

    conv(32,3,pad=1) batchnorm relu maxpool(2) flatten dense(10)

and the shape of one input example [C, H, W] into an nn.Sequential whose
parameters have the names and shapes gocnn gives them ("0.weight",
"1.running_mean", ...), so that a gocnn model file loads into it with
load_state_dict(strict=True). preset(name, classes) does the same for the
preset models, whose spec texts PRESETS copies from model/preset.go, and
read_spec(path) reads a spec file.

Only the standard library and torch are needed.
"""

import re

import torch.nn as nn

# The preset models' specs, as in model/preset.go; {classes} is the
# number of outputs.
PRESETS = {
    "mlp": "flatten dense(128) relu dense({classes})",
    "tiny": "conv(8,3) relu maxpool(2) flatten dense({classes})",
    "lenet5": "conv(6,5,pad=2) relu maxpool(2) conv(16,5) relu maxpool(2) flatten dense(120) relu dense(84) relu "
              "dense({classes})",
    "mnist-cnn": "conv(32,3) relu conv(64,3) relu maxpool(2) dropout(0.25) flatten dense(128) relu dropout(0.5) "
                 "dense({classes})",
}


def preset(name, classes=10):
    """The spec text of a preset model with the given number of classes."""
    if name not in PRESETS:
        raise SystemExit(f"unknown preset {name!r} (want {', '.join(PRESETS)})")
    return PRESETS[name].format(classes=classes)


def read_spec(path):
    """The spec text of a spec file. JSON specs are not read here."""
    with open(path) as f:
        text = f.read().strip()
    if text.startswith("{"):
        raise SystemExit(f"{path}: JSON specs are not supported here; write the spec as text")
    return text


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
    """Build nn.Sequential for a gocnn spec and an input shape [C,H,W];
    returns it and its output shape ([classes] for a classifier)."""
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
            raise SystemExit(f"no PyTorch equivalent for gocnn layer {name!r}")
    return nn.Sequential(*layers), ([c, h, w] if flat is None else [flat])
