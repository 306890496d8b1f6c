// sessionflow's browser example: trains a 2-8-1 MLP on XOR and draws the loss
// curve (SVG) and the learned function (canvas). `npm run example:browser`
// bundles this file with esbuild and serves the page on 127.0.0.1.
import * as tf from 'sessionflow';

const STEPS = 400;
const XS = [[0, 0], [0, 1], [1, 0], [1, 1]];
const YS = [[0], [1], [1], [0]];
const GRID = 48;

const $ = <T extends Element>(id: string) => document.getElementById(id) as unknown as T;

function buildModel() {
  const graph = new tf.Graph();
  const model = graph.asDefault(() => {
    tf.setRandomSeed(3);
    const x = tf.placeholder(tf.float32, [null, 2], 'x');
    const y = tf.placeholder(tf.float32, [null, 1], 'y');
    const hidden = tf.nn.tanh(tf.nn.biasAdd(tf.matmul(x, tf.getVariable('w1', { shape: [2, 8] })),
      tf.getVariable('b1', { shape: [8], initializer: tf.zerosInitializer() })));
    const logits = tf.nn.biasAdd(tf.matmul(hidden, tf.getVariable('w2', { shape: [8, 1] })),
      tf.getVariable('b2', { shape: [1], initializer: tf.zerosInitializer() }));
    const loss = tf.reduceMean(tf.nn.sigmoidCrossEntropyWithLogits({ labels: y, logits }));
    const train = new tf.train.AdamOptimizer(0.05).minimize(loss);
    return { x, y, loss, train, output: tf.sigmoid(logits), init: tf.globalVariablesInitializer() };
  });
  return { graph, ...model };
}

/** The loss curve as an SVG polyline with a log-scaled y axis. */
function drawLoss(losses: number[]): void {
  const svg = $<SVGSVGElement>('loss');
  const [w, h, left, bottom, pad] = [480, 300, 52, 30, 12];
  const lo = Math.log10(Math.min(...losses, 1e-3));
  const hi = Math.log10(Math.max(...losses, 1));
  const px = (i: number) => left + (i / (STEPS - 1)) * (w - left - pad);
  const py = (v: number) => pad + (1 - (Math.log10(v) - lo) / (hi - lo)) * (h - bottom - pad);
  const ticks = [];
  for (let e = Math.ceil(lo); e <= Math.floor(hi); e++) {
    ticks.push(`<line x1="${left}" x2="${w - pad}" y1="${py(10 ** e)}" y2="${py(10 ** e)}" stroke="#e4e8ee"/>` +
      `<text x="${left - 6}" y="${py(10 ** e) + 4}" text-anchor="end" font-size="11" fill="#5b6573">1e${e}</text>`);
  }
  for (let s = 0; s <= STEPS; s += 100) {
    ticks.push(`<text x="${px(Math.min(s, STEPS - 1))}" y="${h - 10}" text-anchor="middle" font-size="11" fill="#5b6573">${s}</text>`);
  }
  const points = losses.map((v, i) => `${px(i).toFixed(1)},${py(v).toFixed(1)}`).join(' ');
  svg.innerHTML = `${ticks.join('')}
    <line x1="${left}" x2="${left}" y1="${pad}" y2="${h - bottom}" stroke="#9aa4b1"/>
    <line x1="${left}" x2="${w - pad}" y1="${h - bottom}" y2="${h - bottom}" stroke="#9aa4b1"/>
    <polyline points="${points}" fill="none" stroke="#d9480f" stroke-width="2"/>`;
}

/** The model's output on a GRID×GRID grid: blue near 0, orange near 1. */
function drawField(values: Float32Array): void {
  const canvas = $<HTMLCanvasElement>('field');
  const ctx = canvas.getContext('2d')!;
  const cell = canvas.width / GRID;
  for (let r = 0; r < GRID; r++) {
    for (let c = 0; c < GRID; c++) {
      const v = values[r * GRID + c];
      ctx.fillStyle = `rgb(${Math.round(40 + 200 * v)}, ${Math.round(110 + 40 * v)}, ${Math.round(220 - 200 * v)})`;
      ctx.fillRect(c * cell, (GRID - 1 - r) * cell, cell + 1, cell + 1);
    }
  }
  XS.forEach(([a, b], i) => {
    ctx.beginPath();
    ctx.arc(8 + a * (canvas.width - 16), canvas.height - 8 - b * (canvas.height - 16), 7, 0, 2 * Math.PI);
    ctx.fillStyle = YS[i][0] ? '#fff3e6' : '#e7f0ff';
    ctx.strokeStyle = '#1d232b';
    ctx.fill(); ctx.stroke();
  });
}

function gridPoints(): number[][] {
  const points: number[][] = [];
  for (let r = 0; r < GRID; r++) for (let c = 0; c < GRID; c++) points.push([c / (GRID - 1), r / (GRID - 1)]);
  return points;
}

async function main(): Promise<void> {
  // A bundler that copies `new URL('…', import.meta.url)` assets (Vite, webpack)
  // needs only `await tf.ready()`; with esbuild the page serves the files itself.
  await tf.ready({ wasmURL: { simd: './sessionflow.wasm', relaxed: './sessionflow-relaxed.wasm' } });
  const model = buildModel();
  const sess = new tf.Session({ graph: model.graph });
  sess.run(model.init);
  const feeds = new Map<tf.Tensor, number[][]>([[model.x, XS], [model.y, YS]]);
  const losses: number[] = [];
  const started = performance.now();
  for (let step = 0; step < STEPS; step++) {
    const [loss] = await sess.runAsync([model.loss, model.train], feeds);
    losses.push(loss!.item() as number);
    if (step % 50 === 49) { drawLoss(losses); await new Promise((r) => setTimeout(r)); } // let the page paint
  }
  const ms = performance.now() - started;
  drawLoss(losses);
  drawField(sess.run(model.output, new Map([[model.x, gridPoints()]])).data as Float32Array);
  const outputs = sess.run(model.output, new Map([[model.x, XS]])).data as Float32Array;
  $<HTMLTableElement>('predictions').innerHTML = '<tr><th>x₁</th><th>x₂</th><th>XOR</th><th>model</th></tr>' +
    XS.map(([a, b], i) => `<tr><td>${a}</td><td>${b}</td><td>${YS[i][0]}</td><td>${outputs[i].toFixed(3)}</td></tr>`).join('');
  $('status').textContent = `Trained ${STEPS} steps in ${ms.toFixed(0)} ms on ${sess.backend}: loss ${losses[0].toFixed(3)} → ${losses.at(-1)!.toFixed(4)}.`;
  sess.close();
  document.body.dataset.done = 'true';
}

main().catch((error) => {
  $('status').textContent = `Failed: ${error instanceof Error ? error.message : String(error)}`;
  document.body.dataset.done = 'error';
});
