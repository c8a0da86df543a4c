#!/usr/bin/python3
"""Race gocnn against PyTorch on the CPU: the same models, the same batch
size, the same number of threads, data already in memory.

For each model it trains for the same number of images in PyTorch and in
gocnn (by running `gocnn bench`), then prints images per second for both
and the ratio. It also times batch-1 inference latency. Each model is
raced in several rounds (--rounds), the two back to back in each, so that
a machine whose speed drifts affects both sides alike; the table gives the
medians and each ratio's range over the rounds.

Run it with Debian's PyTorch (python3-torch) at its fastest: OpenBLAS with
OpenMP for the dense layers, and malloc settings that stop glibc from
returning large buffers to the system after every step:

    apt-get install python3-torch libopenblas0-openmp
    go build -o gocnn ./cmd/gocnn
    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
    GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296 \
    /usr/bin/python3 bench/compare_pytorch.py --gocnn ./gocnn

Each PyTorch figure is the better of its two memory layouts (NCHW, and
channels_last, which lets oneDNN pick other convolution kernels); the
table says which won. Only PyTorch is timed when --gocnn is not given.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time

import torch
import torch.nn as nn


def make_model(name, classes=10):
    """The gocnn presets, layer for layer (see model/presets.go)."""
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, classes))
    if name == "tiny":
        return nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(8 * 13 * 13, classes))
    if name == "lenet5":
        return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                             nn.Linear(84, classes))
    if name == "mnist-cnn":
        return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(),
                             nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, classes))
    raise SystemExit(f"unknown model {name}")


def fake_mnist(n, seed=1):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 1, 28, 28, generator=g)
    y = torch.randint(0, 10, (n,), generator=g)
    return x, y


def layout(model, x, channels_last):
    if channels_last:
        return model.to(memory_format=torch.channels_last), x.contiguous(memory_format=torch.channels_last)
    return model, x


def best_of_layouts(f):
    """Runs f(channels_last) both ways; returns the better figure and its layout."""
    a, b = f(False), f(True)
    return (a, "nchw") if a >= b else (b, "channels_last")


def train_speed(name, images, batch, channels_last, warmup_batches=5):
    """Images per second of SGD training (momentum 0.9), after a warm-up."""
    torch.manual_seed(1)
    x, y = fake_mnist(max(images, batch * warmup_batches))
    model, x = layout(make_model(name), x, channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    model.train()

    def run(count):
        done = 0
        while done < count:
            xb, yb = x[done % len(x):done % len(x) + batch], y[done % len(x):done % len(x) + batch]
            if len(xb) < batch:
                xb, yb = x[:batch], y[:batch]
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


def infer_speed(name, images, batch, channels_last):
    torch.manual_seed(1)
    x, _ = fake_mnist(max(images, batch))
    model, x = layout(make_model(name).eval(), x, channels_last)
    with torch.inference_mode():
        for i in range(3):
            model(x[:batch])
        start = time.perf_counter()
        done = 0
        while done < images:
            model(x[done % len(x):done % len(x) + batch])
            done += batch
        return done / (time.perf_counter() - start)


def latency_us(name, channels_last, runs=2000):
    """Median batch-1 inference latency in microseconds (negated, so that
    best_of_layouts picks the lower)."""
    torch.manual_seed(1)
    x, _ = fake_mnist(1)
    model, x = layout(make_model(name).eval(), x, channels_last)
    times = []
    with torch.inference_mode():
        for _ in range(50):
            model(x)
        for _ in range(runs):
            t = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - t)
    times.sort()
    return -times[len(times) // 2] * 1e6


def gocnn_results(cmd, models, images, batch, threads):
    out = subprocess.run([cmd, "bench", "-models", ",".join(models), "-images", str(images),
                          "-batch", str(batch), "-threads", str(threads), "-json"],
                         check=True, capture_output=True, text=True).stdout
    return {r["model"]: r for r in (json.loads(line) for line in out.splitlines() if line.strip())}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="tiny,lenet5,mnist-cnn")
    ap.add_argument("--images", type=int, default=0, help="training images per model (default: about 10 s each)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--gocnn", help="path to a gocnn binary to race")
    ap.add_argument("--rounds", type=int, default=3, help="races per model (default 3)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    models = args.models.split(",")
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
          f"{args.threads} threads, batch {args.batch}")
    print(f"# LD_LIBRARY_PATH={os.environ.get('LD_LIBRARY_PATH', '')} GLIBC_TUNABLES={os.environ.get('GLIBC_TUNABLES', '')}")
    default_images = {"mlp": 200000, "tiny": 200000, "lenet5": 100000, "mnist-cnn": 10000}
    images = {m: args.images or default_images.get(m, 10000) for m in models}

    # The machine may be shared and its speed may drift, so each model is
    # raced in rounds, gocnn and PyTorch back to back in each; every figure
    # is the median over the rounds, and each ratio the median of the
    # rounds' ratios, with its lowest and highest in brackets.
    print(f"# {args.rounds} rounds per model; medians, with the ratios' range over the rounds in brackets")
    header = f"{'model':<10} {'images':>7} {'torch train/s':>13} {'gocnn train/s':>13} {'ratio':>17}   " \
             f"{'torch infer/s':>13} {'gocnn infer/s':>13} {'ratio':>17}   {'torch b1 µs':>11} {'gocnn b1 µs':>11} {'ratio':>17}   " \
             "torch layouts (train, infer, b1)"
    print(header)
    for m in models:
        rounds = []
        for _ in range(args.rounds):
            g = gocnn_results(args.gocnn, [m], images[m], args.batch, args.threads)[m] if args.gocnn else None
            t_train, l_train = best_of_layouts(lambda cl: train_speed(m, images[m], args.batch, cl))
            t_infer, l_infer = best_of_layouts(lambda cl: infer_speed(m, images[m] * 3, args.batch, cl))
            t_lat, l_lat = best_of_layouts(lambda cl: latency_us(m, cl))
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
            print(f"{m:<10} {images[m]:>7} {t_train:>13.0f} {g_train:>13.0f} {train_ratio:>17}   "
                  f"{t_infer:>13.0f} {g_infer:>13.0f} {infer_ratio:>17}   "
                  f"{t_lat:>11.0f} {g_lat:>11.0f} {lat_ratio:>17}   {layouts}")
        else:
            print(f"{m:<10} {images[m]:>7} {t_train:>13.0f} {'-':>13} {'-':>17}   {t_infer:>13.0f} {'-':>13} "
                  f"{'-':>17}   {t_lat:>11.0f} {'-':>11} {'-':>17}   {layouts}")
        sys.stdout.flush()


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def ratio_text(ratios):
    """The median ratio, with the lowest and highest: "1.52 (1.48-1.60)"."""
    return f"{median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})"


if __name__ == "__main__":
    main()
