"""Exports a gocnn network built in PyTorch to ONNX, and writes PyTorch's
outputs on given inputs: the reference for the onnx package's import test.

    /usr/bin/python3 bench/pytorch_onnx.py --spec "conv(8,3) relu maxpool(2) flatten dense(10)" \
        --shape 1x28x28 --opset 13 --out net.onnx --inputs x.f32 --batch 3 --outputs y.f32

The network is gocnn_nets.build(spec, shape) with PyTorch's own random
weights and, for batch norm, random running statistics (so that a wrong
mapping of them shows), exported in inference mode with
torch.onnx.export at the given opset, with a dynamic batch dimension.
--inputs holds batch·C·H·W little-endian float32 values; --outputs gets
the network's outputs on them the same way.

Needs torch (Debian's python3-torch) and numpy.
"""

import argparse

import numpy as np
import torch

import gocnn_nets


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", required=True)
    ap.add_argument("--shape", required=True, help="CxHxW")
    ap.add_argument("--opset", type=int, default=13)
    ap.add_argument("--out", required=True)
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--outputs", required=True)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    shape = [int(d) for d in args.shape.split("x")]
    net, _ = gocnn_nets.build(args.spec, shape)
    for m in net.modules():
        if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    net.eval()
    torch.onnx.export(net, torch.rand(1, *shape), args.out, opset_version=args.opset, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    x = np.fromfile(args.inputs, dtype="<f4").reshape(args.batch, *shape)
    with torch.no_grad():
        y = net(torch.from_numpy(x)).numpy().astype("<f4")
    y.tofile(args.outputs)


if __name__ == "__main__":
    main()
