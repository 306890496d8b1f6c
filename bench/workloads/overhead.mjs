// overhead: y = x + 1 on a fed float32 scalar. Measures one run's fixed cost:
// feeding, crossing into the engine, fetching.
export default {
  name: 'overhead',
  cases: () => [{
    id: 'overhead',
    kind: 'overhead',
    params: {},
    timeUnit: 'us',
    bench: { maxTime: 1.5, minSamples: 20 },
    data: () => ({ x: new Float32Array([41.5]) }),
    reference: () => [{ values: Float64Array.of(42.5) }],
    figure: () => null,
  }],
};
