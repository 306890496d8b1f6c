// Float64 reference kernels in plain JS: slow and obvious, used only to check
// every engine's output before it is timed.

/** C[rows, n] = A[rows of m, k] · B[k, n] (or B[n, k] transposed), in float64. */
export function matmul(a, b, m, k, n, { transposeB = false, rows = null } = {}) {
  const rowList = rows ?? Array.from({ length: m }, (_, i) => i);
  const out = new Float64Array(rowList.length * n);
  rowList.forEach((i, r) => {
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p];
      if (av === 0) continue;
      for (let j = 0; j < n; j++) out[r * n + j] += av * (transposeB ? b[j * k + p] : b[p * n + j]);
    }
  });
  return out;
}

export function addBias(x, bias) {
  const n = bias.length;
  for (let i = 0; i < x.length; i++) x[i] += bias[i % n];
  return x;
}

export function relu(x) {
  for (let i = 0; i < x.length; i++) if (x[i] < 0) x[i] = 0;
  return x;
}

/** Row-wise softmax of x[rows, n], in place. */
export function softmax(x, n) {
  for (let r = 0; r < x.length; r += n) {
    let max = -Infinity;
    for (let j = 0; j < n; j++) max = Math.max(max, x[r + j]);
    let sum = 0;
    for (let j = 0; j < n; j++) sum += (x[r + j] = Math.exp(x[r + j] - max));
    for (let j = 0; j < n; j++) x[r + j] /= sum;
  }
  return x;
}

/** Forward pass of a dense MLP (relu between layers): every layer's output, logits last. */
export function mlpForward(x, batch, layers) {
  const acts = [x];
  layers.forEach((layer, i) => {
    const z = addBias(matmul(acts[i], layer.w, batch, layer.fanIn, layer.fanOut), layer.b);
    acts.push(i + 1 < layers.length ? relu(z) : z);
  });
  return acts;
}

/** Mean sparse softmax cross-entropy of logits[batch, n] and its gradient wrt the logits. */
export function crossEntropy(logits, labels, n) {
  const batch = labels.length;
  const p = softmax(Float64Array.from(logits), n);
  let loss = 0;
  for (let i = 0; i < batch; i++) {
    loss -= Math.log(p[i * n + labels[i]]);
    p[i * n + labels[i]] -= 1;
  }
  for (let i = 0; i < p.length; i++) p[i] /= batch;
  return { loss: loss / batch, grad: p };
}

/** One SGD step of the MLP in place on float64 copies of its layers; returns the loss before the update. */
export function sgdStep(layers, x, labels, lr) {
  const batch = labels.length;
  const acts = mlpForward(x, batch, layers);
  const { loss, grad } = crossEntropy(acts[acts.length - 1], labels, layers[layers.length - 1].fanOut);
  let delta = grad;
  for (let i = layers.length - 1; i >= 0; i--) {
    const { w, b, fanIn, fanOut } = layers[i];
    const input = acts[i];
    const back = i > 0 ? matmul(delta, w, batch, fanOut, fanIn, { transposeB: true }) : null;
    for (let r = 0; r < batch; r++) {
      for (let j = 0; j < fanOut; j++) {
        const d = delta[r * fanOut + j];
        if (d === 0) continue;
        b[j] -= lr * d;
        for (let p = 0; p < fanIn; p++) w[p * fanOut + j] -= lr * input[r * fanIn + p] * d;
      }
    }
    if (back) for (let q = 0; q < back.length; q++) if (input[q] <= 0) back[q] = 0;
    delta = back;
  }
  return loss;
}

/** conv2d (cross-correlation, SAME, stride 1) of x [n, h, w, cin] by w [k, k, cin, cout], plus bias, in float64. */
export function convSame(x, n, h, w, cin, filter, k, cout, bias) {
  const out = new Float64Array(n * h * w * cout);
  const pad = Math.floor((k - 1) / 2);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const o = ((b * h + i) * w + j) * cout;
        for (let c = 0; c < cout; c++) out[o + c] = bias[c];
        for (let a = 0; a < k; a++) {
          const ii = i - pad + a;
          if (ii < 0 || ii >= h) continue;
          for (let d = 0; d < k; d++) {
            const jj = j - pad + d;
            if (jj < 0 || jj >= w) continue;
            const xo = ((b * h + ii) * w + jj) * cin;
            const fo = (a * k + d) * cin * cout;
            for (let p = 0; p < cin; p++) {
              const xv = x[xo + p];
              for (let c = 0; c < cout; c++) out[o + c] += xv * filter[fo + p * cout + c];
            }
          }
        }
      }
    }
  }
  return out;
}

/** 2x2 max pooling with stride 2 of x [n, h, w, c] (h and w even). */
export function maxPool2(x, n, h, w, c) {
  const out = new Float64Array(n * (h / 2) * (w / 2) * c).fill(-Infinity);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        for (let p = 0; p < c; p++) {
          const o = ((b * (h / 2) + (i >> 1)) * (w / 2) + (j >> 1)) * c + p;
          out[o] = Math.max(out[o], x[((b * h + i) * w + j) * c + p]);
        }
      }
    }
  }
  return out;
}

/** The cnn_infer network's logits [batch, classes]. */
export function cnnForward(x, { batch, side, kernel }, { convs, dense }) {
  let h = x;
  let s = side;
  for (const { w, b, cin, cout } of convs) {
    h = maxPool2(relu(convSame(h, batch, s, s, cin, w, kernel, cout, b)), batch, s, s, cout);
    s /= 2;
  }
  dense.forEach((layer, i) => {
    h = addBias(matmul(h, layer.w, batch, layer.fanIn, layer.fanOut), layer.b);
    if (i + 1 < dense.length) relu(h);
  });
  return h;
}
