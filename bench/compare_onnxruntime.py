#!/usr/bin/python3
"""Race gocnn's inference against onnxruntime on the CPU: the same
networks, input shapes, batch sizes and thread counts, inputs already in
memory.

Each network is built in PyTorch from the same spec (gocnn_nets.py),
exported with torch.onnx.export (opset 13, a dynamic batch dimension, in
inference mode: dropout off, batch norm on its running statistics), and
timed in onnxruntime through npm's onnxruntime-node (ort_bench.js, with
every graph optimisation on and sequential execution), beside
`gocnn bench` on the same network:

  - batch 1 on one thread: the median latency of single runs
    (onnxruntime: intra-op threads 1; gocnn bench -threads 1);
  - batch 64 on two threads: images per second (onnxruntime: intra-op
    threads 2; gocnn bench -threads 2).

Each network is raced in several rounds (--rounds), the two back to back
in each, so that a machine whose speed drifts affects both alike; the
table gives the medians and each ratio's range over the rounds. A ratio
above 1 means gocnn is faster. The header gives onnxruntime-node's floor:
the latency of a one-operator model, what a call costs whatever the
network.

Run it from the repository root, after installing onnxruntime-node at the
version bench/package-lock.json records (its CPU library ships inside the
package; --ignore-scripts skips the install script, which only fetches
GPU builds):

    (cd bench && npm ci --ignore-scripts)
    go build -o gocnn ./cmd/gocnn
    /usr/bin/python3 bench/compare_onnxruntime.py --gocnn ./gocnn

It needs torch and onnx for the export (Debian's python3-torch and
python3-onnx) and node. By default it races the entries compare_pytorch.py
races (tiny, lenet5, mnist-cnn and specs/mnist-bn.txt on 1x28x28,
specs/ham-resnet.txt on 3x48x48 and 3x64x64); --models takes a
comma-separated list of entries MODEL[@CxHxW] instead (see racing.py; an
entry's optimiser is ignored here). The batch-64 images per network are
set so that each side takes about 5 seconds on a 2-core machine (--images
sets one count for all); batch-1 latency is the median of up to 2000 runs
(about 2 seconds). --keep-onnx DIR keeps the exported models. Only
onnxruntime is timed when --gocnn is not given.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile

import onnx
import torch
import torch.nn as nn

from racing import DEFAULT_ENTRIES, gocnn_bench, median, parse_entries, ratio_text, shape_text

HERE = os.path.dirname(os.path.abspath(__file__))

# Images per network at batch 64, about 5 seconds per side on 2 cores;
# an entry not listed is timed briefly in onnxruntime first to choose.
DEFAULT_IMAGES = {
    "mlp": 1000000, "tiny": 1000000, "lenet5": 400000, "mnist-cnn": 40000, "mnist-bn": 12800,
    "ham-resnet@3x48x48": 3200, "ham-resnet@3x64x64": 1920,
}


def export(net, shape, path):
    """Exports net, in inference mode, to an ONNX file with a dynamic
    batch dimension."""
    net.eval()
    torch.onnx.export(net, torch.rand(1, *shape), path, opset_version=13, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    onnx.checker.check_model(onnx.load(path))


def ort_bench(node, path, shape, batch, threads, *flags):
    args = [node, os.path.join(HERE, "ort_bench.js"), path, "--shape", shape_text(shape), "--batch", str(batch),
            "--threads", str(threads), *[str(f) for f in flags]]
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)}: {done.stderr.strip()}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default=DEFAULT_ENTRIES, help="comma-separated entries MODEL[@CxHxW] (default %(default)s)")
    ap.add_argument("--images", type=int, default=0, help="images per network at the batch size (default: about 5 s each)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2, help="threads for the batch figures (batch 1 runs on one)")
    ap.add_argument("--gocnn", help="path to a gocnn binary to race")
    ap.add_argument("--node", default="node", help="the node command (default %(default)s)")
    ap.add_argument("--rounds", type=int, default=3, help="races per network (default 3)")
    ap.add_argument("--keep-onnx", metavar="DIR", help="write the exported models here and keep them")
    args = ap.parse_args()

    entries = parse_entries(args.models)
    folder = args.keep_onnx or tempfile.mkdtemp(prefix="gocnn-onnx-")
    os.makedirs(folder, exist_ok=True)
    try:
        race(args, entries, folder)
    finally:
        if not args.keep_onnx:
            shutil.rmtree(folder, ignore_errors=True)


def race(args, entries, folder):
    floor_path = os.path.join(folder, "floor.onnx")
    export(nn.Sequential(nn.ReLU()), [1, 1, 1], floor_path)
    floor = ort_bench(args.node, floor_path, [1, 1, 1], 1, 1)
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, onnxruntime-node {floor['onnxruntime']}, "
          f"node {subprocess.run([args.node, '--version'], capture_output=True, text=True).stdout.strip()}, "
          f"torch {torch.__version__} (export), onnx opset 13")
    print(f"# batch 1 on 1 thread, batch {args.batch} on {args.threads} threads; onnxruntime: graph optimisation all, "
          f"sequential execution; its floor per call (one ReLU, batch 1): {floor['latency_us']:.1f} µs")
    print(f"# {args.rounds} rounds per network; medians, with the ratios' range over the rounds in brackets; "
          "ratios above 1: gocnn faster")
    width = max(10, *(len(e.label) for e in entries))
    print(f"{'network':<{width}} {'images':>7} {'ort b1 µs':>10} {'gocnn b1 µs':>11} {'ratio':>17}   "
          f"{'ort b' + str(args.batch) + '/s':>11} {'gocnn b' + str(args.batch) + '/s':>13} {'ratio':>17}")
    sys.stdout.flush()
    for i, e in enumerate(entries):
        path = os.path.join(folder, f"{i}-{e.label.replace('@', '-')}.onnx")
        torch.manual_seed(1)
        export(e.net(), e.shape, path)
        images = args.images or DEFAULT_IMAGES.get(e.label)
        if not images:
            rate = ort_bench(args.node, path, e.shape, args.batch, args.threads, "--images", args.batch * 5)["images_per_sec"]
            images = max(args.batch, int(rate * 5) // args.batch * args.batch)
        rounds = []
        for _ in range(args.rounds):
            o_lat = ort_bench(args.node, path, e.shape, 1, 1)["latency_us"]
            o_rate = ort_bench(args.node, path, e.shape, args.batch, args.threads, "--images", images)["images_per_sec"]
            g_lat = g_rate = None
            if args.gocnn:
                g_lat = gocnn_bench(args.gocnn, e, "-measure", "latency", "-threads", 1)["latency_us"]
                g_rate = gocnn_bench(args.gocnn, e, "-measure", "infer", "-threads", args.threads, "-batch", args.batch,
                                     "-infer-images", images)["infer_images_per_sec"]
            rounds.append((o_lat, g_lat, o_rate, g_rate))
        o_lat, o_rate = median([r[0] for r in rounds]), median([r[2] for r in rounds])
        if args.gocnn:
            g_lat, g_rate = median([r[1] for r in rounds]), median([r[3] for r in rounds])
            lat_ratio = ratio_text([r[0] / r[1] for r in rounds])
            rate_ratio = ratio_text([r[3] / r[2] for r in rounds])
            print(f"{e.label:<{width}} {images:>7} {o_lat:>10.0f} {g_lat:>11.0f} {lat_ratio:>17}   "
                  f"{o_rate:>11.0f} {g_rate:>13.0f} {rate_ratio:>17}")
        else:
            print(f"{e.label:<{width}} {images:>7} {o_lat:>10.0f} {'-':>11} {'-':>17}   {o_rate:>11.0f} {'-':>13} {'-':>17}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
