// cnn_infer: a placeholder. It lands once sessionflow has Conv2D and pooling;
// until then it has no cases and the run says why.
export default {
  name: 'cnn_infer',
  pending: 'waits for Conv2D/MaxPool in sessionflow (issue 3: "cnn_infer later, once conv lands")',
  cases: () => [],
};
