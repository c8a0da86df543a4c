"""Exports a gocnn network built in PyTorch, to ONNX and as a state_dict
in safetensors, and writes PyTorch's outputs on given inputs: the
reference for the import tests of the onnx and model packages.

    /usr/bin/python3 bench/pytorch_export.py --spec "conv(8,3) relu maxpool(2) flatten dense(10)" \
        --shape 1x28x28 --onnx net.onnx --opset 13 --state-dict net.safetensors \
        --inputs x.f32 --batch 3 --outputs y.f32

The network is gocnn_nets.build(spec, shape) with PyTorch's own random
weights and, for batch norm, random running statistics (so that a wrong
mapping of them shows). --onnx exports it in inference mode with
torch.onnx.export at the given opset, with a dynamic batch dimension;
--state-dict writes net.state_dict() in the safetensors format (written
here, as safetensors.torch.save_file would, without needing that
package). --inputs holds batch·C·H·W little-endian float32 values;
--outputs gets the network's outputs on them the same way.

Needs torch (Debian's python3-torch) and numpy.
"""

import argparse
import json
import struct

import numpy as np
import torch

import gocnn_nets


def save_safetensors(tensors, path):
    """Writes tensors (name → torch tensor) in the safetensors format: an
    8-byte little-endian header length, a JSON header of each tensor's
    dtype, shape and byte range, then the data."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        a = t.detach().contiguous().numpy()
        dtype = {"float32": "F32", "int64": "I64"}[str(a.dtype)]
        b = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", required=True)
    ap.add_argument("--shape", required=True, help="CxHxW")
    ap.add_argument("--opset", type=int, default=13)
    ap.add_argument("--onnx")
    ap.add_argument("--state-dict")
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
    if args.onnx:
        torch.onnx.export(net, torch.rand(1, *shape), args.onnx, opset_version=args.opset, input_names=["input"],
                          output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    if args.state_dict:
        save_safetensors(net.state_dict(), args.state_dict)
    x = np.fromfile(args.inputs, dtype="<f4").reshape(args.batch, *shape)
    with torch.no_grad():
        y = net(torch.from_numpy(x)).numpy().astype("<f4")
    y.tofile(args.outputs)


if __name__ == "__main__":
    main()
