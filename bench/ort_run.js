#!/usr/bin/env node
// Runs an ONNX model in onnxruntime on inputs read from a file and writes
// its outputs to another: the reference the onnx package's tests compare
// gocnn's exported models with.
//
//   (cd bench && npm ci --ignore-scripts)
//   node bench/ort_run.js MODEL.onnx IN.f32 OUT.f32 N C H W
//
// IN.f32 holds N·C·H·W little-endian float32 values, the batch [N C H W];
// OUT.f32 gets the model's first output the same way, and its shape goes
// to standard output as one JSON line.

"use strict";

const fs = require("fs");
const ort = require("onnxruntime-node");

async function main() {
  const [model, inPath, outPath, ...dims] = process.argv.slice(2);
  const shape = dims.map(Number);
  if (!model || !inPath || !outPath || shape.length !== 4 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error("usage: node ort_run.js MODEL.onnx IN.f32 OUT.f32 N C H W");
  }
  const raw = fs.readFileSync(inPath);
  const want = shape.reduce((a, b) => a * b, 1);
  if (raw.length !== 4 * want) throw new Error(`${inPath}: ${raw.length} bytes, want ${4 * want} for ${shape}`);
  const input = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const result = await session.run({ [session.inputNames[0]]: new ort.Tensor("float32", input, shape) });
  const out = result[session.outputNames[0]];
  fs.writeFileSync(outPath, Buffer.from(out.data.buffer, out.data.byteOffset, out.data.byteLength));
  process.stdout.write(JSON.stringify({ output: session.outputNames[0], dims: out.dims }) + "\n");
}

main().catch((err) => {
  process.stderr.write(`ort_run.js: ${err.message}\n`);
  process.exit(1);
});
