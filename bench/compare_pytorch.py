#!/usr/bin/python3
"""Race gocnn against PyTorch on the CPU: the same networks, the same input
shapes, optimiser, batch size and number of threads, data already in
memory.

For each network it trains for the same number of images in PyTorch and in
gocnn (by running `gocnn bench`), then prints images per second for both
and the ratio; it does the same for inference at the batch size, and times
batch-1 inference latency. Each network is raced in several rounds
(--rounds), the two back to back in each, so that a machine whose speed
drifts affects both sides alike; the table gives the medians and each
ratio's range over the rounds. A ratio above 1 means gocnn is faster.

Run it from the repository root with Debian's PyTorch (python3-torch) at
its fastest: OpenBLAS with OpenMP for the dense layers, and malloc settings
that stop glibc from returning large buffers to the system after every
step:

    apt-get install python3-torch libopenblas0-openmp
    go build -o gocnn ./cmd/gocnn
    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \\
    GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296 \\
    /usr/bin/python3 bench/compare_pytorch.py --gocnn ./gocnn

By default it races tiny, lenet5, mnist-cnn and specs/mnist-bn.txt on
1x28x28 images with SGD (momentum 0.9), and specs/ham-resnet.txt on
3x48x48 and 3x64x64 images with AdamW (lr 0.002, as the HAM10000 recipe).
--models takes a comma-separated list of entries MODEL[@CxHxW][:OPTIMIZER]
instead, such as

    --models lenet5,specs/ham-resnet.txt@3x64x64:adamw

(see racing.py for the optimisers and their rates). The training images
per network are set so that each side trains for about 10 seconds on a
2-core machine (--images sets one count for all); inference runs three
times as many images, and batch-1 latency is the median of up to 2000
runs (about 2 seconds).

Each PyTorch figure is the better of its two memory layouts (NCHW, and
channels_last, which lets oneDNN pick other convolution kernels); the
table says which won. Only PyTorch is timed when --gocnn is not given.
"""

import argparse
import os
import platform
import sys
import time

import torch
import torch.nn as nn

from racing import DEFAULT_ENTRIES, gocnn_bench, median, parse_entries, ratio_text

# Training images per network, about 10 seconds of training per side on
# 2 cores; an entry not listed is timed briefly first to choose.
DEFAULT_IMAGES = {
    "mlp": 200000, "tiny": 200000, "lenet5": 100000, "mnist-cnn": 10000, "mnist-bn": 9600,
    "ham-resnet@3x48x48": 2560, "ham-resnet@3x64x64": 1600,
}

# The most distinct images held in memory; longer runs go round them again.
MAX_HELD = 4096


def fake_images(n, shape, classes, seed=1):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, *shape, generator=g)
    y = torch.randint(0, classes, (n,), generator=g)
    return x, y


def layout(model, x, channels_last):
    if channels_last:
        return model.to(memory_format=torch.channels_last), x.contiguous(memory_format=torch.channels_last)
    return model, x


def best_of_layouts(f):
    """Runs f(channels_last) both ways; returns the better figure and its layout."""
    a, b = f(False), f(True)
    return (a, "nchw") if a >= b else (b, "channels_last")


def make_optimizer(entry, params):
    if entry.optimizer == "sgd":
        return torch.optim.SGD(params, lr=entry.lr, momentum=0.9)
    if entry.optimizer == "adam":
        return torch.optim.Adam(params, lr=entry.lr)
    if entry.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=entry.lr)
    return torch.optim.RMSprop(params, lr=entry.lr, momentum=0.9)


def batches(x, y, batch):
    """Goes round the images of x a batch at a time, and round the labels
    of y, for ever. With more labels than images, an image comes round
    again with other labels, so that the network cannot learn them."""
    i = j = 0
    while True:
        if i + batch > len(x):
            i = 0
        if j + batch > len(y):
            j = 0
        yield x[i:i + batch], y[j:j + batch]
        i += batch
        j += batch


def train_speed(entry, images, batch, channels_last, warmup_batches=5):
    """Images per second of training, after a warm-up."""
    torch.manual_seed(1)
    x, _ = fake_images(min(max(images, batch), max(MAX_HELD, batch)), entry.shape, entry.classes)
    # A label for every image trained on: the loss stays at chance, as
    # gocnn bench's does, rather than falling as the images are learnt.
    y = torch.randint(0, entry.classes, (images + batch * (warmup_batches + 1),), generator=torch.Generator().manual_seed(2))
    model, x = layout(entry.net(), x, channels_last)
    opt = make_optimizer(entry, model.parameters())
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    source = batches(x, y, batch)

    def run(count):
        done = 0
        while done < count:
            xb, yb = next(source)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            done += len(xb)
        return done

    run(batch * warmup_batches)
    start = time.perf_counter()
    done = run(images)
    return done / (time.perf_counter() - start)


def infer_speed(entry, images, batch, channels_last):
    """Images per second of inference at the batch size, after a warm-up."""
    torch.manual_seed(1)
    x, y = fake_images(min(max(images, batch), max(MAX_HELD, batch)), entry.shape, entry.classes)
    model, x = layout(entry.net().eval(), x, channels_last)
    source = batches(x, y, batch)
    with torch.inference_mode():
        for _ in range(3):
            model(next(source)[0])
        start = time.perf_counter()
        done = 0
        while done < images:
            model(next(source)[0])
            done += batch
        return done / (time.perf_counter() - start)


def latency_us(entry, channels_last, runs=2000, seconds=2.0):
    """Median batch-1 inference latency in microseconds, over up to runs
    runs, stopping after about seconds but not before 20 (negated, so that
    best_of_layouts picks the lower)."""
    torch.manual_seed(1)
    x, _ = fake_images(1, entry.shape, entry.classes)
    model, x = layout(entry.net().eval(), x, channels_last)
    times = []
    with torch.inference_mode():
        warm = time.perf_counter()
        for i in range(50):
            if i >= 5 and time.perf_counter() - warm > 0.2:
                break
            model(x)
        start = time.perf_counter()
        while len(times) < runs and (len(times) < 20 or time.perf_counter() - start < seconds):
            t = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - t)
    return -median(times) * 1e6


def calibrate(entry, batch, seconds=10.0):
    """Training images for about seconds of PyTorch training, timed on a
    few batches."""
    rate = train_speed(entry, batch * 5, batch, False, warmup_batches=2)
    return max(batch, int(rate * seconds) // batch * batch)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default=DEFAULT_ENTRIES,
                    help="comma-separated entries MODEL[@CxHxW][:OPTIMIZER] (default %(default)s)")
    ap.add_argument("--images", type=int, default=0, help="training images per network (default: about 10 s each)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--gocnn", help="path to a gocnn binary to race")
    ap.add_argument("--rounds", type=int, default=3, help="races per network (default 3)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    entries = parse_entries(args.models)
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
          f"{args.threads} threads, batch {args.batch}")
    print(f"# LD_LIBRARY_PATH={os.environ.get('LD_LIBRARY_PATH', '')} GLIBC_TUNABLES={os.environ.get('GLIBC_TUNABLES', '')}")

    # The machine may be shared and its speed may drift, so each network is
    # raced in rounds, gocnn and PyTorch back to back in each; every figure
    # is the median over the rounds, and each ratio the median of the
    # rounds' ratios, with its lowest and highest in brackets.
    print(f"# {args.rounds} rounds per network; medians, with the ratios' range over the rounds in brackets; "
          "ratios above 1: gocnn faster")
    width = max(10, *(len(e.label) for e in entries))
    header = f"{'network':<{width}} {'optim':>7} {'images':>7} {'torch train/s':>13} {'gocnn train/s':>13} {'ratio':>17}   " \
             f"{'torch infer/s':>13} {'gocnn infer/s':>13} {'ratio':>17}   {'torch b1 µs':>11} {'gocnn b1 µs':>11} {'ratio':>17}   " \
             "torch layouts (train, infer, b1)"
    print(header)
    sys.stdout.flush()
    for e in entries:
        images = args.images or DEFAULT_IMAGES.get(e.label) or calibrate(e, args.batch)
        rounds = []
        for _ in range(args.rounds):
            g = None
            if args.gocnn:
                g = gocnn_bench(args.gocnn, e, "-images", images, "-infer-images", 3 * images, "-batch", args.batch,
                                "-threads", args.threads)
            t_train, l_train = best_of_layouts(lambda cl: train_speed(e, images, args.batch, cl))
            t_infer, l_infer = best_of_layouts(lambda cl: infer_speed(e, images * 3, args.batch, cl))
            t_lat, l_lat = best_of_layouts(lambda cl: latency_us(e, cl))
            rounds.append((g, t_train, t_infer, -t_lat, f"{l_train}, {l_infer}, {l_lat}"))
        t_train = median([r[1] for r in rounds])
        t_infer = median([r[2] for r in rounds])
        t_lat = median([r[3] for r in rounds])
        layouts = "; ".join(sorted(set(r[4] for r in rounds)))
        if args.gocnn:
            g_train = median([r[0]["train_images_per_sec"] for r in rounds])
            g_infer = median([r[0]["infer_images_per_sec"] for r in rounds])
            g_lat = median([r[0]["latency_us"] for r in rounds])
            train_ratio = ratio_text([r[0]["train_images_per_sec"] / r[1] for r in rounds])
            infer_ratio = ratio_text([r[0]["infer_images_per_sec"] / r[2] for r in rounds])
            lat_ratio = ratio_text([r[3] / r[0]["latency_us"] for r in rounds])
            print(f"{e.label:<{width}} {e.optimizer:>7} {images:>7} {t_train:>13.0f} {g_train:>13.0f} {train_ratio:>17}   "
                  f"{t_infer:>13.0f} {g_infer:>13.0f} {infer_ratio:>17}   "
                  f"{t_lat:>11.0f} {g_lat:>11.0f} {lat_ratio:>17}   {layouts}")
        else:
            print(f"{e.label:<{width}} {e.optimizer:>7} {images:>7} {t_train:>13.0f} {'-':>13} {'-':>17}   "
                  f"{t_infer:>13.0f} {'-':>13} {'-':>17}   {t_lat:>11.0f} {'-':>11} {'-':>17}   {layouts}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
