"""What the race scripts in bench/ share: the entries they race, running
`gocnn bench` on one, and summing up rounds.

An entry is written MODEL[@CxHxW][:OPTIMIZER]:

    tiny                                  a preset, on 1x28x28 images, SGD
    specs/mnist-bn.txt                    a spec file, on 1x28x28 images, SGD
    specs/ham-resnet.txt@3x64x64:adamw    a spec file on 3x64x64, AdamW

MODEL is a gocnn preset or a spec file (a path, from where the script
runs); the input shape is 1x28x28 unless given; the optimiser (for the
training race) is sgd unless given, one of sgd (momentum 0.9, lr 0.01),
adam (lr 0.001), adamw (lr 0.002, as the HAM10000 recipe; weight decay
0.01) or rmsprop (momentum 0.9, lr 0.001). A preset has 10 classes; a spec
file has the outputs its last layer gives.
"""

import json
import os
import subprocess

from gocnn_nets import build, preset, read_spec, PRESETS

# The entries the scripts race when not told otherwise: the MNIST presets
# that have convolutions, the batch-norm MNIST network, and the HAM10000
# network at both sizes it is trained at, with the HAM10000 recipe's
# optimiser.
DEFAULT_ENTRIES = ",".join([
    "tiny", "lenet5", "mnist-cnn", "specs/mnist-bn.txt",
    "specs/ham-resnet.txt@3x48x48:adamw", "specs/ham-resnet.txt@3x64x64:adamw",
])

# Learning rate of each optimiser in the race; the rate does not change
# the work of a step, but both sides use the same one.
LEARNING_RATES = {"sgd": 0.01, "adam": 0.001, "adamw": 0.002, "rmsprop": 0.001}

MNIST_SHAPE = [1, 28, 28]


class Entry:
    """One network to race: model (a preset's name or a spec file's path,
    as given), shape [C, H, W], optimizer and lr, spec (the spec text) and
    label (a short name for tables: "ham-resnet@3x48x48")."""

    def __init__(self, text):
        self.text = text
        rest, _, self.optimizer = text.partition(":")
        self.optimizer = self.optimizer or "sgd"
        if self.optimizer not in LEARNING_RATES:
            raise SystemExit(f"{text}: unknown optimiser {self.optimizer!r} (want {', '.join(LEARNING_RATES)})")
        self.lr = LEARNING_RATES[self.optimizer]
        self.model, _, shape = rest.partition("@")
        self.shape = parse_shape(shape, text) if shape else MNIST_SHAPE
        if self.model in PRESETS:
            self.spec = preset(self.model)
            name = self.model
        elif os.path.isfile(self.model):
            self.spec = read_spec(self.model)
            name = os.path.splitext(os.path.basename(self.model))[0]
        else:
            raise SystemExit(f"{text}: {self.model!r} is neither a preset ({', '.join(PRESETS)}) nor a spec file")
        self.label = name if self.shape == MNIST_SHAPE else f"{name}@{shape_text(self.shape)}"
        _, out = build(self.spec, self.shape)
        if len(out) != 1:
            raise SystemExit(f"{text}: the network's output is {out}, not a vector of class scores")
        self.classes = out[0]

    def net(self):
        """A new PyTorch network for the entry, in training mode."""
        return build(self.spec, self.shape)[0]


def parse_shape(text, where):
    try:
        shape = [int(d) for d in text.split("x")]
    except ValueError:
        shape = []
    if len(shape) != 3 or min(shape) < 1:
        raise SystemExit(f"{where}: input shape {text!r} is not CxHxW, such as 3x64x64")
    return shape


def shape_text(shape):
    return "x".join(str(d) for d in shape)


def parse_entries(text):
    return [Entry(t) for t in text.split(",") if t]


def gocnn_bench(cmd, entry, *flags):
    """Runs `gocnn bench -json` on one entry with the given flags and
    returns its JSON line as a dict."""
    args = [cmd, "bench", "-models", entry.model, "-input", shape_text(entry.shape), "-optimizer", entry.optimizer,
            "-lr", str(entry.lr), "-json", *[str(f) for f in flags]]
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)}: {done.stderr.strip()}")
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return json.loads(lines[0])


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def ratio_text(ratios):
    """The median ratio, with the lowest and highest: "1.52 (1.48-1.60)"."""
    return f"{median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})"
