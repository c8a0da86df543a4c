#!/usr/bin/python3
"""Train the HAM10000 network of README.md in PyTorch, with gocnn's recipe,
and score it on the same test part, the same ways.

This is the comparison the project began with (its HAM10000 network redone
in a framework), done on equal terms: the network of
specs/ham-resnet.txt, the same pixels, the same split file, the same
recipe and the same number of epochs, on the same number of cores. It
prints a line per epoch and, at the end, accuracy, balanced accuracy and
macro-F1 on the test part, each image alone and with the README's
scoring options, and the times.

Run gocnn first, as README.md's HAM10000 section does: it writes the split
(ham10000-ham-resnet.split.csv) and the cache of the resized images that
this script reads. Then, from the repository root:

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \\
    GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296 \\
    /usr/bin/python3 bench/ham_pytorch.py -data-dir ../shared/data/ham10000 \\
        -images ../shared/data/ham10000/images_200x150 \\
        -split-file ham10000-ham-resnet.split.csv -epochs 56 -json ham_pytorch.json

(the flags are named as gocnn train's; their defaults are the recipe's:
-size 48x48, -batch 64, -lr 0.002, -weight-decay 0.01, -threads 2,
-seed 1, -epochs 56). The split depends only on gocnn's -seed and the
images, so a one-epoch gocnn run on a few images writes the same split,
and the cache, without the full run:

    gocnn train -data ham10000 -data-dir ../shared/data/ham10000 \\
        -images ../shared/data/ham10000/images_200x150 -size 48x48 \\
        -model specs/ham-resnet.txt -train-val -epochs 1 -train-limit 64 \\
        -out ham-split.safetensors         # writes ham-split.split.csv

The same as gocnn (cmd/gocnn/train.go, ham.go; ham10000/, augment/,
optim/, data/normalize.go, train/):

  - Pixels: read from gocnn's own cache of the images, decoded and resized
    to 48x48 by gocnn (Catmull-Rom, golang.org/x/image/draw), so both
    sides train on the very same bytes, scaled to [0, 1] as float32(v)/255.
    The cache is found as gocnn finds it ($GOCNN_DATA, else gocnn in the
    user's cache folder; -cache names it), its header, size and image
    rows are checked, and its key (a SHA-256 of the metadata and of the
    path, size and time of every image) is recomputed: a mismatch is
    reported. Its CRC-32C is not checked (Python's standard library has
    no CRC-32C; gocnn checks it whenever it reads the file). -pixels pil
    decodes the JPEGs with Pillow's bicubic filter instead (also
    Catmull-Rom, a = -0.5, widened when shrinking): close but not the
    same pixels (at 48x48 from images_200x150, 74% of the values equal,
    99.98% within 1 of 255, none more than 5 apart).
  - Metadata, labels (akiec bcc bkl df nv vasc mel, gocnn's order) and the
    split: the split file gocnn wrote, checked as gocnn checks it (every
    image once, lesion and diagnosis agreeing with the metadata). As with
    -train-val, the training images are the training part followed by
    the validation part; the last epoch is kept; the test part is scored
    once, at the end. -limit N keeps the first N of them, as -train-limit.
  - Normalisation: each channel's mean and (population) standard deviation
    over every pixel of the training images, summed in float64, kept as
    float32, applied as (x - mean) * (1/std) to every image.
  - Class weights: -class-weights sqrt, the square root of scikit-learn's
    balanced weights N/(K*count) over the training images, in float32;
    the batch loss is sum(w*L)/sum(w), as gocnn's and PyTorch's.
  - The network: specs/ham-resnet.txt built by the same spec reader as
    bench/pytorch_check.py, which loads gocnn's weights into it and
    checks its outputs and gradients against gocnn's (1,617,159
    parameters; convolutions with biases; batch norm eps 1e-5, momentum
    0.1; inverted dropout 0.3; a strided 1x1 convolution for a shortcut
    that changes shape). -gocnn-model scores a gocnn model file with it
    instead of training, to check the pixels, the split, the
    normalisation, the clinical counts and the scoring against gocnn
    eval's figures for the same file.
  - Initialisation: gocnn's distributions and rule (nn.Sequential.autoInit):
    a convolution or dense layer followed, past pooling, batch norm,
    dropout and flattening, by a ReLU gets He normal (std sqrt(2/fan_in)),
    any other Glorot uniform (limit sqrt(6/(fan_in+fan_out)), fans
    counting the kernel window); a shortcut follows the rule at its
    block's place; biases start at 0, batch norm at gamma 1, beta 0.
  - Optimiser: AdamW, lr 0.002, betas 0.9 and 0.999, eps 1e-8, decoupled
    weight decay 0.01 on every trainable tensor (batch norm's and biases
    too, as gocnn's). Schedule: gocnn's cosine, set before every step:
    a linear warm-up over min(steps per epoch, total/10) steps, then half
    a cosine from the rate down to 0 at the last step.
  - Batches: 64 images, a fresh shuffle every epoch, the last, smaller
    batch kept (134 steps an epoch on the 8,514 images).
  - Augmentation (-augment skin), drawn afresh for each image: brightness
    (+-0.1, added) and contrast (x0.8 to 1.2 about each channel's mean
    over the image), one draw of each for all channels, clamped to
    [0, 1], first; then a mirror left-right
    and one top-bottom, each with probability 1/2, a quarter turn by 0,
    90, 180 or 270 degrees with probability 1/4 each, and a shift by a
    whole number of pixels from -4 to 4 (10% of 48, rounded down) along
    each axis, filling with black. These are whole-pixel moves, so they
    are written here exactly, as tensor operations; torchvision's
    transforms differ (ColorJitter scales brightness and takes contrast
    about the grey mean). The changes are made to the [0, 1] pixels before
    normalising; gocnn makes them to normalised pixels with the fill and
    the clamp translated, which gives the same values but for rounding.
  - Scoring: evaluation mode, batches of 256; -tta 8 averages the
    log-probabilities of the eight flips and quarter turns; -by-lesion
    averages those of all test images of a lesion; -metadata adds gocnn's
    naive-Bayes log-likelihoods of age (to 5 years), sex and body site,
    counted with add-one smoothing on the training images (train and
    validation parts, all of them, as the model file keeps them). Accuracy,
    balanced accuracy and macro-F1 as gocnn's metrics package.

What is not the same: every random number (the initial weights, the order
of the images, the augmentations, the dropout masks) comes from PyTorch's
generators, not gocnn's, so the two runs are two draws of one recipe and
their figures differ as two seeds' would; and the kernels round
differently. Times: the training time adds up the epochs (as gocnn's
"done ... in" does, less its checkpoints); the run's time counts from the
start of this script, loading and the final scoring of each image alone
included (what the README's times cover); the eight-view scoring is
timed apart, as gocnn eval is a command of its own.
"""

import time

T0 = time.perf_counter()  # the run's time counts from here, imports included

import argparse
import csv
import hashlib
import io
import json
import math
import os
import platform
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from gocnn_nets import Residual, build
from pytorch_check import read_safetensors

CLASSES = ["akiec", "bcc", "bkl", "df", "nv", "vasc", "mel"]
CACHE_MAGIC, CACHE_VERSION, CACHE_HEADER = b"GOCNNHAM", 1, 8 + 4 + 16 + 32


def fail(msg):
    raise SystemExit(f"ham_pytorch: {msg}")


# ---------------------------------------------------------------- the data

def find_metadata(data_dir):
    """The shallowest HAM10000_metadata.csv (or .tab) under data_dir, as
    gocnn's findMetadata picks it, as gocnn spells its path."""
    names = {"ham10000_metadata.csv", "ham10000_metadata.tab", "ham10000_metadata"}
    found, depth = [], None
    for root, dirs, files in os.walk(data_dir):
        dirs.sort()
        for f in sorted(files):
            if f.lower() in names:
                p = os.path.normpath(os.path.join(root, f))
                d = p.count(os.sep)
                if depth is None or d < depth:
                    found, depth = [p], d
                elif d == depth:
                    found.append(p)
    if len(found) != 1:
        fail(f"want one HAM10000_metadata.csv in {data_dir}, found {found or 'none'}")
    return found[0]


def read_metadata(raw, path):
    """The rows of HAM10000_metadata.csv as dicts, in file order, as gocnn's
    DecodeMetadata reads them (trimmed fields, lower-case diagnosis)."""
    text = raw.decode("utf-8-sig")
    first = text.split("\n", 1)[0]
    delim = "\t" if "\t" in first and "," not in first else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delim))
    header = [h.strip().lower() for h in rows[0]]
    col = {name: header.index(name) if name in header else None
           for name in ("lesion_id", "image_id", "dx", "age", "sex", "localization")}
    if col["lesion_id"] is None or col["image_id"] is None or col["dx"] is None:
        fail(f"{path}: the header {rows[0]} lacks lesion_id, image_id or dx")
    recs = []
    for line, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(header):
            fail(f"{path}, line {line}: {len(row)} fields, the header has {len(header)}")
        rec = {k: (row[j].strip() if j is not None else "") for k, j in col.items()}
        rec["dx"] = rec["dx"].lower()
        if rec["dx"] not in CLASSES:
            fail(f"{path}, line {line}: diagnosis {rec['dx']!r} is not one of {CLASSES}")
        recs.append(rec)
    return recs


def find_images(images_dir):
    """The ISIC_*.jpg files under images_dir, by image id, with the path as
    gocnn's WalkDir spells it (the first of two copies, in walking order)."""
    files = {}
    for root, dirs, names in os.walk(images_dir):
        dirs.sort()
        for name in sorted(names):
            stem, ext = os.path.splitext(name)
            if ext.lower() in (".jpg", ".jpeg") and stem.startswith("ISIC_"):
                p = os.path.normpath(os.path.join(root, name))
                if stem not in files and os.path.isfile(p):
                    files[stem] = p
    return files


def go_quote(s):
    """strconv.Quote for plain ASCII paths (None for others)."""
    if not all(32 <= ord(ch) < 127 for ch in s):
        return None
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def cache_key(meta_raw, rows, recs, files, c, h, w):
    """The key gocnn's Load writes into its cache (ham10000/load.go)."""
    hsh = hashlib.sha256()
    hsh.update(f"gocnn ham10000 cache {CACHE_VERSION}\nfilter catmull-rom\nsize {c} {h} {w}\nmetadata {len(meta_raw)}\n".encode())
    hsh.update(meta_raw)
    for r in rows:
        p = files[recs[r]["image_id"]]
        q = go_quote(p)
        if q is None:
            return None
        st = os.stat(p)
        hsh.update(f"{r} {q} {st.st_size} {st.st_mtime_ns}\n".encode())
    return hsh.digest()


def default_cache(meta_path, images_dir, c, h, w):
    """Where gocnn keeps the cache for these files and this size."""
    base = os.environ.get("GOCNN_DATA") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "gocnn")
    hsh = hashlib.sha256()
    for p in (meta_path, images_dir):
        q = go_quote(os.path.abspath(p))
        if q is None:
            fail(f"cannot work out gocnn's cache file for {p}: name it with -cache")
        hsh.update((q + "\n").encode())
    return os.path.join(base, "ham10000-cache", f"ham10000-{hsh.hexdigest()[:16]}-{c}x{h}x{w}.cache")


def read_gocnn_cache(path, rows, c, h, w, key):
    """The pixels [N, C, H, W] (uint8) of gocnn's cache file at path, for
    the metadata rows given; see ham10000/cache.go for the layout."""
    try:
        raw = open(path, "rb").read()
    except OSError as e:
        fail(f"{e}\nrun gocnn train once with the same -data-dir, -images and -size to make it "
             "(see this script's help), or use -pixels pil")
    n = len(rows)
    if raw[:8] != CACHE_MAGIC:
        fail(f"{path} is not a gocnn HAM10000 cache (it starts with {raw[:8]!r})")
    version, cn, cc, ch, cw = struct.unpack_from("<5I", raw, 8)
    if version != CACHE_VERSION or (cn, cc, ch, cw) != (n, c, h, w):
        fail(f"{path}: format {version}, {cn} images of {cc}x{ch}x{cw}; want format {CACHE_VERSION}, {n} of {c}x{h}x{w}")
    want = CACHE_HEADER + 4 * n + n * c * h * w + 4
    if len(raw) != want:
        fail(f"{path}: {len(raw)} bytes, want {want}: truncated or corrupt")
    got_rows = np.frombuffer(raw, "<u4", n, CACHE_HEADER)
    if not np.array_equal(got_rows, np.asarray(rows)):
        fail(f"{path} holds other metadata rows than the images found")
    keyed = key is not None and raw[28:60] == key
    pix = np.frombuffer(raw, np.uint8, n * c * h * w, CACHE_HEADER + 4 * n).reshape(n, c, h, w)
    return pix.copy(), keyed


def decode_pil(paths, h, w):
    """The images decoded and resized by Pillow (bicubic), [N, 3, H, W]."""
    from PIL import Image
    out = np.empty((len(paths), 3, h, w), np.uint8)
    for i, p in enumerate(paths):
        with Image.open(p) as im:
            out[i] = np.asarray(im.convert("RGB").resize((w, h), Image.BICUBIC)).transpose(2, 0, 1)
    return out


def read_split(path, recs):
    """The train, validation and test parts of the split file gocnn wrote,
    as ascending indices into recs, checked as gocnn's ReadSplitCSV does."""
    index = {r["image_id"]: i for i, r in enumerate(recs)}
    parts = {"train": [], "val": [], "test": []}
    seen = {}
    try:
        f = open(path, newline="")
    except OSError as e:
        fail(f"reading the split file: {e}")
    with f:
        rows = csv.reader(f)
        header = next(rows, None)
        if not header or "image_id" not in header or "split" not in header:
            fail(f"{path}, line 1: want a header image_id,lesion_id,dx,split")
        col = {name: header.index(name) if name in header else None for name in ("image_id", "lesion_id", "dx", "split")}
        for line, row in enumerate(rows, start=2):
            image = row[col["image_id"]]
            i = index.get(image)
            if i is None:
                fail(f"{path}, line {line}: image {image} is not in the data")
            if image in seen:
                fail(f"{path}, line {line}: image {image} is already on line {seen[image]}")
            seen[image] = line
            for name in ("lesion_id", "dx"):
                if col[name] is not None and row[col[name]] != recs[i][name]:
                    fail(f"{path}, line {line}: {image} has {name} {row[col[name]]}, the metadata says {recs[i][name]}")
            part = row[col["split"]]
            if part not in parts:
                fail(f"{path}, line {line}: split {part!r}, want train, val or test")
            parts[part].append(i)
    if len(seen) != len(recs):
        fail(f"{path} names {len(seen)} images, the data has {len(recs)}: it was made for another set")
    return [sorted(parts[p]) for p in ("train", "val", "test")]


def normalization(pix):
    """Each channel's mean and population std over pix (uint8 [N,C,H,W]),
    as data.ComputeNormalization: the float32 pixels summed in float64."""
    mean, std = [], []
    count = pix.shape[0] * pix.shape[2] * pix.shape[3]
    for ch in range(pix.shape[1]):
        v = (pix[:, ch].astype(np.float32) / np.float32(255)).astype(np.float64)
        m = v.sum() / count
        var = max((v * v).sum() / count - m * m, 0.0)
        s = math.sqrt(var)
        mean.append(np.float32(m))
        std.append(np.float32(s if s >= 1e-12 else 1))
    return np.array(mean, np.float32), np.array(std, np.float32)


def sqrt_class_weights(labels, k):
    """-class-weights sqrt: sqrt(N/(K*count)) per class, in float32, K the
    classes present (data.BalancedWeights, then a square root)."""
    counts = np.bincount(labels, minlength=k)
    present, n = int((counts > 0).sum()), int(counts.sum())
    w = [np.float32(n / (present * c)) if c else np.float32(0) for c in counts]
    return np.array([np.float32(math.sqrt(float(v))) for v in w], np.float32), counts


# ------------------------------------------------------------- the network

def init_like_gocnn(seq, after=None):
    """Draws the weights of seq (a Sequential from build) by gocnn's rule:
    He normal before a ReLU, Glorot uniform otherwise; biases 0."""
    skip = (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.Flatten, nn.Dropout, nn.BatchNorm1d, nn.BatchNorm2d)

    def auto(i):
        for layer in list(seq)[i + 1:]:
            if isinstance(layer, skip):
                continue
            return "he" if isinstance(layer, (nn.ReLU, nn.LeakyReLU)) else "glorot"
        return "glorot"

    def draw(layer, how):
        window = layer.weight[0, 0].numel() if layer.weight.dim() == 4 else 1
        fan_in, fan_out = layer.weight.shape[1] * window, layer.weight.shape[0] * window
        with torch.no_grad():
            if how == "he":
                layer.weight.normal_(0, math.sqrt(2 / fan_in))
            else:
                b = math.sqrt(6 / (fan_in + fan_out))
                layer.weight.uniform_(-b, b)
            layer.bias.zero_()

    for i, layer in enumerate(seq):
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            draw(layer, auto(i))
        elif isinstance(layer, Residual):
            init_like_gocnn(layer.body)
            if hasattr(layer, "shortcut"):
                draw(layer.shortcut, auto(i))
        elif isinstance(layer, (nn.BatchNorm1d, nn.BatchNorm2d)):
            layer.reset_parameters()


def cosine_rate(step, lr, steps_per_epoch, total):
    """optim.Cosine as ParseSchedule("cosine") makes it."""
    warmup = min(steps_per_epoch, total // 10)
    if step < warmup:
        return lr * (step + 1) / warmup
    p = min(1.0, (step - warmup) / max(1, total - warmup))
    return lr * (1 + math.cos(math.pi * p)) / 2


# ------------------------------------------------------- the augmentation

def skin_augment(x, g, shift_frac=0.1, brightness=0.1, contrast=0.2):
    """-augment skin on a batch x of [0, 1] pixels [N, C, H, W], drawing
    each image's changes from the generator g (see the module doc)."""
    n, c, h, w = x.shape
    # Colour first: v' = clamp(mean + f*(v - mean) + b), per channel.
    b = (torch.rand(n, 1, 1, 1, generator=g) * 2 - 1) * brightness
    f = 1 + (torch.rand(n, 1, 1, 1, generator=g) * 2 - 1) * contrast
    mean = x.mean(dim=(2, 3), keepdim=True)
    x = (f * x + (mean * (1 - f) + b)).clamp_(0, 1)
    # Mirrors and quarter turns.
    flip_h = torch.rand(n, generator=g) < 0.5
    flip_v = torch.rand(n, generator=g) < 0.5
    x = torch.where(flip_h[:, None, None, None], x.flip(3), x)
    x = torch.where(flip_v[:, None, None, None], x.flip(2), x)
    quarter = torch.randint(0, 4, (n,), generator=g) if h == w else 2 * torch.randint(0, 2, (n,), generator=g)
    for k in (1, 2, 3):
        m = quarter == k
        if m.any():
            x[m] = torch.rot90(x[m], k, dims=(2, 3))
    # Shift by whole pixels, black coming in: pad, then take a window.
    mx, my = int(shift_frac * w), int(shift_frac * h)
    if mx or my:
        dx = torch.randint(-mx, mx + 1, (n,), generator=g)
        dy = torch.randint(-my, my + 1, (n,), generator=g)
        padded = F.pad(x, (mx, mx, my, my))
        rows = (torch.arange(h)[None, :] + my - dy[:, None])[:, :, None]  # [n, h, 1]
        cols = (torch.arange(w)[None, :] + mx - dx[:, None])[:, None, :]  # [n, 1, w]
        x = padded[torch.arange(n)[:, None, None], :, rows, cols].permute(0, 3, 1, 2)  # [n, h, w, c] → NCHW
    return x.contiguous()


def view(x, k):
    """View k of augment.View: bit 0 mirrors left-right, bit 1 top-bottom,
    bit 2 then turns a quarter turn."""
    if k & 1:
        x = x.flip(3)
    if k & 2:
        x = x.flip(2)
    if k & 4:
        x = torch.rot90(x, 1, dims=(2, 3))
    return x


# ----------------------------------------------------------------- scoring

def view_logprobs(net, x, views, batch, channels_last):
    """[len(views), N, K] float64: the log of the float32 softmax of each
    of the views of x (numbers for view)."""
    out = []
    net.eval()
    with torch.inference_mode():
        for v in views:
            rows = []
            for i in range(0, len(x), batch):
                xb = view(x[i:i + batch], v)
                if channels_last:
                    xb = xb.contiguous(memory_format=torch.channels_last)
                rows.append(torch.softmax(net(xb), dim=1))
            p = torch.cat(rows).double().numpy()
            out.append(np.log(np.maximum(p, np.float64(np.finfo(np.float32).smallest_subnormal))))
    return np.stack(out)


def lesion_groups(recs):
    groups = {}
    for i, r in enumerate(recs):
        if r["lesion_id"]:
            groups.setdefault(r["lesion_id"], []).append(i)
    return list(groups.values())


def age_step(age):
    try:
        v = float(age)
    except ValueError:
        return age
    if not (0 <= v <= 150):
        return age
    return f"{5 * math.floor(v / 5 + 0.5):.1f}"


CLINICAL_COLUMNS = (("age", lambda r: age_step(r["age"])), ("sex", lambda r: r["sex"]),
                    ("localization", lambda r: r["localization"]))


def fit_clinical(train_recs):
    """ham10000.FitClinical: per class, the count of every age step, sex
    and body site among the training records."""
    total = [0] * len(CLASSES)
    counts = {name: {} for name, _ in CLINICAL_COLUMNS}
    for r in train_recs:
        k = CLASSES.index(r["dx"])
        total[k] += 1
        for name, get in CLINICAL_COLUMNS:
            counts[name].setdefault(get(r), [0] * len(CLASSES))[k] += 1
    return {"classes": CLASSES, "total": total, "counts": counts}


def clinical_evidence(model, recs):
    """ham10000.Clinical.Evidence: log p(age, sex, site | class), [N, K]."""
    out = np.zeros((len(recs), len(CLASSES)))
    for i, r in enumerate(recs):
        for name, get in CLINICAL_COLUMNS:
            seen = model["counts"][name]
            counts = seen.get(get(r))
            values = len(seen) + 1
            for k in range(len(CLASSES)):
                n = counts[k] if counts else 0
                out[i, k] += math.log((n + 1) / (model["total"][k] + values))
    return out


def score(logp_views, labels, views=1, groups=None, evidence=None):
    """train.Score on precomputed view log-probabilities: the figures and
    the confusion matrix."""
    logp = np.zeros(logp_views.shape[1:])
    for v in range(views):  # as metrics.AddLogProbs, view after view
        logp += logp_views[v] * (1 / views)
    if evidence is not None:
        logp = logp + evidence
    if groups:
        for g in groups:
            logp[g] = logp[g].mean(axis=0)
    top = logp.max(axis=1, keepdims=True)
    e = np.exp(logp - top)
    total = e.sum(axis=1, keepdims=True)
    probs = (e / total).astype(np.float32)
    pred = probs.argmax(axis=1)
    loss = float(np.mean((top[:, 0] + np.log(total[:, 0])) - logp[np.arange(len(labels)), labels]))
    k = logp.shape[1]
    conf = np.zeros((k, k), np.int64)
    np.add.at(conf, (labels, pred), 1)
    support, predicted, hits = conf.sum(1), conf.sum(0), np.diag(conf)
    recall = [hits[c] / support[c] if support[c] else 0.0 for c in range(k)]
    precision = [hits[c] / predicted[c] if predicted[c] else 0.0 for c in range(k)]
    f1 = [2 * p * r / (p + r) if p + r else 0.0 for p, r in zip(precision, recall)]
    present = [c for c in range(k) if support[c]]
    seen = [c for c in range(k) if support[c] or predicted[c]]
    return {
        "accuracy": float(hits.sum() / len(labels)), "correct": int(hits.sum()), "images": int(len(labels)),
        "balanced_accuracy": float(np.mean([recall[c] for c in present])),
        "macro_f1": float(np.mean([f1[c] for c in seen])), "loss": loss, "confusion": conf.tolist(),
    }


SCORINGS = [  # (name as gocnn eval's flags, views, by lesion, metadata)
    ("each image alone", 1, False, False),
    ("-tta 8", 8, False, False),
    ("-by-lesion", 1, True, False),
    ("-tta 8 -by-lesion", 8, True, False),
    ("-metadata", 1, False, True),
    ("-tta 8 -by-lesion -metadata", 8, True, True),
]


def score_all(net, x_test, test_recs, labels, clinical, channels_last, out):
    start = time.perf_counter()
    logp1 = view_logprobs(net, x_test, [0], 256, channels_last)
    t_image = time.perf_counter() - start
    start = time.perf_counter()
    logp8 = np.concatenate([logp1, view_logprobs(net, x_test, range(1, 8), 256, channels_last)])
    t_tta = time.perf_counter() - start
    groups, evidence = lesion_groups(test_recs), clinical_evidence(clinical, test_recs)
    results = {}
    print(f"\n{'test part, ' + str(len(labels)) + ' images':<30} {'accuracy':>17} {'balanced':>9} {'macro-F1':>9} {'loss':>8}", file=out)
    for name, views, by_lesion, metadata in SCORINGS:
        r = score(logp8 if views > 1 else logp1, labels, views, groups if by_lesion else None,
                  evidence if metadata else None)
        results[name] = r
        print(f"{name:<30} {r['accuracy']:.4f} ({r['correct']:>4}) {r['balanced_accuracy']:>9.4f} "
              f"{r['macro_f1']:>9.4f} {r['loss']:>8.4f}", file=out)
    return results, t_image, t_tta


def print_confusion(conf, out):
    print("\ntrue \\ predicted  " + "  ".join(f"{c:>5}" for c in CLASSES), file=out)
    for c, row in zip(CLASSES, conf):
        print(f"{c:<16}  " + "  ".join(f"{v:>5}" for v in row), file=out)


# -------------------------------------------------------------------- main

def main():
    t_start = T0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-data-dir", required=True, help="folder holding HAM10000_metadata.csv")
    ap.add_argument("-images", help="folder holding the ISIC_*.jpg images (default: -data-dir)")
    ap.add_argument("-split-file", required=True, help="the split gocnn wrote (ham10000-ham-resnet.split.csv)")
    ap.add_argument("-model", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "specs", "ham-resnet.txt"),
                    help="spec file of the network (default specs/ham-resnet.txt)")
    ap.add_argument("-size", default="48x48", help="HEIGHTxWIDTH (default 48x48)")
    ap.add_argument("-pixels", choices=["gocnn", "pil"], default="gocnn",
                    help="gocnn: read gocnn's cache of the resized images (the default); pil: decode with Pillow")
    ap.add_argument("-cache", help="gocnn's cache file (default: where gocnn puts it)")
    ap.add_argument("-epochs", type=int, default=56)
    ap.add_argument("-batch", type=int, default=64)
    ap.add_argument("-lr", type=float, default=0.002)
    ap.add_argument("-weight-decay", type=float, default=0.01)
    ap.add_argument("-limit", type=int, default=0, help="train on the first N training images only (gocnn's -train-limit)")
    ap.add_argument("-seed", type=int, default=1)
    ap.add_argument("-threads", type=int, default=2)
    ap.add_argument("-layout", choices=["nchw", "channels_last"], default="channels_last",
                    help="memory layout of the activations (channels_last lets oneDNN pick its faster kernels)")
    ap.add_argument("-gocnn-model", help="score this gocnn model file instead of training (a check of the pixels, split and scoring)")
    ap.add_argument("-json", help="write the settings, every epoch and the results to this file")
    ap.add_argument("-save", help="save the trained weights (a PyTorch state_dict) to this file")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    try:
        h, w = (int(v) for v in args.size.split("x"))
    except ValueError:
        fail(f"-size {args.size!r}: want HEIGHTxWIDTH, such as 48x48")
    c = 3
    channels_last = args.layout == "channels_last"
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, {args.layout}")
    print(f"# LD_LIBRARY_PATH={os.environ.get('LD_LIBRARY_PATH', '')} GLIBC_TUNABLES={os.environ.get('GLIBC_TUNABLES', '')}")

    # The data, as gocnn loads it.
    meta_path = find_metadata(args.data_dir)
    meta_raw = open(meta_path, "rb").read()
    all_recs = read_metadata(meta_raw, meta_path)
    images_dir = args.images or args.data_dir
    files = find_images(images_dir)
    rows = [i for i, r in enumerate(all_recs) if r["image_id"] in files]
    if len(all_recs) - len(rows) > 0.01 * len(all_recs):
        fail(f"{len(all_recs) - len(rows)} of the {len(all_recs)} images of {meta_path} are not in {images_dir}")
    recs = [all_recs[r] for r in rows]
    if args.pixels == "gocnn":
        cache = args.cache or default_cache(meta_path, images_dir, c, h, w)
        key = cache_key(meta_raw, rows, all_recs, files, c, h, w)
        pix, keyed = read_gocnn_cache(cache, rows, c, h, w, key)
        how = "its key matches these files" if keyed else \
            "WARNING: its key does not match these files as spelt here (another -images spelling, or changed files)"
        print(f"pixels {len(rows)} images of {c}x{h}x{w} from gocnn's cache {cache}; {how}")
    else:
        pix = decode_pil([files[r["image_id"]] for r in recs], h, w)
        print(f"pixels {len(rows)} images decoded and resized to {c}x{h}x{w} by Pillow (bicubic)")
    labels = np.array([CLASSES.index(r["dx"]) for r in recs])
    train_part, val_part, test_part = read_split(args.split_file, recs)
    print(f"split  {args.split_file}: {len(train_part)} train, {len(val_part)} validation, {len(test_part)} test images")
    train_idx = train_part + val_part  # -train-val
    clinical = fit_clinical([recs[i] for i in train_idx])
    if args.limit:
        train_idx = train_idx[:args.limit]
    print(f"       training on the train and validation parts together (-train-val): {len(train_idx)} images")

    mean, std = normalization(pix[train_idx])
    weights, counts = sqrt_class_weights(labels[train_idx], len(CLASSES))
    spec = " ".join(open(args.model).read().split())
    net, _ = build(spec, [c, h, w])
    if args.gocnn_model:
        state, meta = read_safetensors(args.gocnn_model)
        info, inp = json.loads(meta["info"]), json.loads(meta["input"])
        print(f"normalisation here {mean.tolist()} {std.tolist()}\n"
              f"       in {args.gocnn_model} {inp['mean']} {inp['std']}")
        mean, std = np.array(inp["mean"], np.float32), np.array(inp["std"], np.float32)
        kept = json.loads(info["clinical"])
        same = kept["total"] == clinical["total"] and all(
            kept["counts"][k] == clinical["counts"][k] for k in kept["counts"])
        print(f"clinical counts here {'equal' if same else 'DIFFER FROM'} the model file's")
        clinical = kept
        state = {k: v for k, v in state.items() if not k.startswith("state/")}
        for k in state:
            if k.endswith("num_batches_tracked"):
                state[k] = state[k].reshape([]).long()
        net.load_state_dict(state, strict=True)
    else:
        init_like_gocnn(net)
    params = sum(p.numel() for p in net.parameters())
    print(f"data   ham10000: {len(train_idx)} training, {len(test_part)} test images of {c}x{h}x{w}, {len(CLASSES)} classes {CLASSES}")
    print(f"       class counts {counts.tolist()}, weights (sqrt) {[round(float(v), 6) for v in weights]}")
    print(f"       mean {mean.tolist()} std {std.tolist()}")
    print(f"model  {spec}\n       {params} parameters; {args.threads} threads; seed {args.seed}")
    if channels_last:
        net = net.to(memory_format=torch.channels_last)

    mean_t, inv_t = torch.from_numpy(mean).view(1, c, 1, 1), torch.from_numpy(np.float32(1) / std).view(1, c, 1, 1)
    to_float = lambda u8: torch.from_numpy(u8).float().div_(255)  # float32(v)/255, as gocnn
    x_test = (to_float(pix[test_part]) - mean_t) * inv_t
    y_test = labels[test_part]
    test_recs = [recs[i] for i in test_part]
    t_loaded = time.perf_counter()

    history = []
    t_train = 0.0
    if not args.gocnn_model:
        x_train = torch.from_numpy(pix[train_idx])
        y_train = torch.from_numpy(labels[train_idx])
        n = len(train_idx)
        steps = (n + args.batch - 1) // args.batch
        total = args.epochs * steps
        opt = torch.optim.AdamW(net.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=args.weight_decay)
        loss_fn = nn.CrossEntropyLoss(weight=torch.from_numpy(weights))
        g = torch.Generator().manual_seed(args.seed + 1)  # orders the images and draws the augmentations
        print(f"train  {args.epochs} epochs, batch {args.batch}, adamw lr {args.lr:g} weight decay {args.weight_decay:g}, "
              f"schedule cosine, augment skin, class weights sqrt")
        step = 0
        for epoch in range(1, args.epochs + 1):
            net.train()
            start = time.perf_counter()
            order = torch.randperm(n, generator=g)
            sum_loss, hits = 0.0, 0
            for b in range(steps):
                idx = order[b * args.batch:(b + 1) * args.batch]
                x = skin_augment(x_train[idx].float().div_(255), g)
                x = (x - mean_t) * inv_t
                if channels_last:
                    x = x.contiguous(memory_format=torch.channels_last)
                y = y_train[idx]
                lr = cosine_rate(step, args.lr, steps, total)
                for group in opt.param_groups:
                    group["lr"] = lr
                logits = net(x)
                loss = loss_fn(logits, y)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                step += 1
                l = loss.item()
                if not math.isfinite(l):
                    fail(f"epoch {epoch} batch {b + 1}: the loss is {l}")
                sum_loss += l * len(idx)
                hits += int((logits.argmax(1) == y).sum())
            secs = time.perf_counter() - start
            t_train += secs
            e = {"epoch": epoch, "train_loss": sum_loss / n, "train_accuracy": hits / n, "lr": lr,
                 "seconds": secs, "images_per_sec": n / secs}
            history.append(e)
            print(f"epoch {epoch:>{len(str(args.epochs))}}/{args.epochs}  train loss {e['train_loss']:.4f} "
                  f"acc {100 * e['train_accuracy']:6.2f}%  lr {lr:.3g}  {secs:.1f}s ({e['images_per_sec']:.0f} img/s)", flush=True)
        if args.save:
            torch.save(net.state_dict(), args.save)

    results, t_image, t_tta = score_all(net, x_test, test_recs, y_test, clinical, channels_last, sys.stdout)
    t_run = time.perf_counter() - t_start - t_tta
    print_confusion(results["-tta 8 -by-lesion -metadata"]["confusion"], sys.stdout)
    mins = lambda t: f"{int(t) // 60} min {int(t) % 60} s"
    print(f"\ntimes  training {t_train:.1f} s ({mins(t_train)}) over {len(history)} epochs; "
          f"loading {t_loaded - t_start:.1f} s; scoring each image {t_image:.1f} s; "
          f"the run {t_run:.1f} s ({mins(t_run)}); the eight views {t_tta:.1f} s more")
    if args.json:
        result = {
            "torch": torch.__version__, "threads": args.threads, "layout": args.layout, "cpus": os.cpu_count(),
            "settings": {k: v for k, v in vars(args).items()}, "spec": spec, "parameters": params,
            "pixels": args.pixels, "train_images": len(train_idx), "test_images": len(test_part),
            "class_weights": weights.tolist(), "mean": mean.tolist(), "std": std.tolist(),
            "epochs": history, "results": results,
            "seconds": {"training": t_train, "loading": t_loaded - t_start, "scoring": t_image, "run": t_run, "tta": t_tta},
        }
        with open(args.json + ".tmp", "w") as f:
            json.dump(result, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(args.json + ".tmp", args.json)


if __name__ == "__main__":
    main()
