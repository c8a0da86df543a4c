#!/usr/bin/env node
// Times inference of an ONNX model in onnxruntime, through npm's
// onnxruntime-node, on random inputs held in memory, and prints one JSON
// line. bench/compare_onnxruntime.py runs it; to run it by hand:
//
//   (cd bench && npm ci --ignore-scripts)
//   node bench/ort_bench.js MODEL.onnx --shape 3x48x48 --batch 64 --threads 2 --images 6400
//   node bench/ort_bench.js MODEL.onnx --shape 3x48x48 --batch 1 --threads 1
//
// --images N times N images at --batch and reports images_per_sec;
// without it, it times single runs and reports their median, latency_us,
// over --runs runs (0, the default: up to 2000, stopping after about 2
// seconds but not before 20). Either way it warms up first.
//
// The session gets onnxruntime's best CPU settings: every graph
// optimisation (constant folding, batch norm folded into convolutions,
// activations fused), sequential execution (one operator at a time, each
// split among the intra-op threads), --threads intra-op threads and one
// inter-op thread. A run's time includes onnxruntime-node's JavaScript
// call around the library (a setImmediate and a promise), as any Node
// program that uses it pays.

"use strict";

const ort = require("onnxruntime-node");

function parseArgs(argv) {
  const opts = { model: "", shape: null, batch: 1, threads: 1, images: 0, runs: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${a} needs a value`);
      return argv[++i];
    };
    const count = (v, min) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) fail(`${a} ${v}: want a whole number of at least ${min}`);
      return n;
    };
    if (a === "--shape") {
      const s = value();
      const dims = s.split("x").map(Number);
      if (dims.length !== 3 || dims.some((d) => !Number.isInteger(d) || d < 1)) fail(`--shape ${s}: want CxHxW`);
      opts.shape = dims;
    } else if (a === "--batch") opts.batch = count(value(), 1);
    else if (a === "--threads") opts.threads = count(value(), 1);
    else if (a === "--images") opts.images = count(value(), 1);
    else if (a === "--runs") opts.runs = count(value(), 1);
    else if (a.startsWith("-")) fail(`unknown flag ${a}`);
    else if (opts.model === "") opts.model = a;
    else fail(`unexpected argument ${a}`);
  }
  if (opts.model === "" || opts.shape === null) fail("usage: ort_bench.js MODEL.onnx --shape CxHxW [--batch N] [--threads N] [--images N | --runs N]");
  return opts;
}

function fail(msg) {
  console.error(`ort_bench: ${msg}`);
  process.exit(2);
}

// randomInput returns n values uniform in [0, 1), the same on every run.
function randomInput(n) {
  const x = new Float32Array(n);
  let s = 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 4294967296;
  }
  return x;
}

function now() {
  return Number(process.hrtime.bigint()) / 1e9;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const session = await ort.InferenceSession.create(opts.model, {
    executionProviders: ["cpu"],
    graphOptimizationLevel: "all",
    executionMode: "sequential",
    intraOpNumThreads: opts.threads,
    interOpNumThreads: 1,
    enableCpuMemArena: true,
    enableMemPattern: true,
  });
  const [c, h, w] = opts.shape;
  const input = new ort.Tensor("float32", randomInput(opts.batch * c * h * w), [opts.batch, c, h, w]);
  const feeds = { [session.inputNames[0]]: input };

  const warm = now();
  for (let i = 0; i < 50 && (i < 5 || now() - warm < 0.2); i++) await session.run(feeds);

  const out = { onnxruntime: ort.env.versions.common, batch: opts.batch, threads: opts.threads };
  if (opts.images > 0) {
    const steps = Math.ceil(opts.images / opts.batch);
    const start = now();
    for (let i = 0; i < steps; i++) await session.run(feeds);
    out.images = steps * opts.batch;
    out.images_per_sec = out.images / (now() - start);
  } else {
    const limit = opts.runs || 2000;
    const budget = opts.runs ? Infinity : 2;
    const times = [];
    const start = now();
    while (times.length < limit && (times.length < 20 || now() - start < budget)) {
      const t = now();
      await session.run(feeds);
      times.push(now() - t);
    }
    times.sort((a, b) => a - b);
    out.runs = times.length;
    out.latency_us = times[Math.floor(times.length / 2)] * 1e6;
  }
  console.log(JSON.stringify(out));
}

main().catch((err) => {
  console.error(`ort_bench: ${err.message || err}`);
  process.exit(1);
});
