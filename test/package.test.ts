// The built package works the way users load it: require() and import of
// 'sessionflow' (dist/, built by npm install), on each backend.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BACKENDS } from './support.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const seed = (load: string) => `${load}
const graph = new tf.Graph();
const { v, init, assign } = graph.asDefault(() => {
  const v = new tf.Variable(42, { name: 'foo' });
  return { v, init: tf.initializeAllVariables(), assign: v.assign(13) };
});
const sess = new tf.Session({ graph, backend: process.env.BACKEND });
sess.run(init); sess.run(assign);
console.log(sess.backend + ' ' + String(sess.run(v)));
sess.close();`;

function node(args: string[], backend: string): string {
  return execFileSync(process.execPath, args, { cwd: root, env: { ...process.env, BACKEND: backend }, encoding: 'utf8' }).trim();
}

describe.each(BACKENDS)('the built package on %s', (backend) => {
  it('loads with require()', () => {
    expect(node(['-e', seed("const tf = require('sessionflow');")], backend)).toBe(`${backend} 13`);
  });

  it('loads with import', () => {
    expect(node(['--input-type=module', '-e', seed("import * as tf from 'sessionflow';")], backend)).toBe(`${backend} 13`);
  });
});

describe('npm run demo', () => {
  it('prints 13, the uninitialized-value error, then 42', () => {
    const out = execFileSync('npm', ['run', '--silent', 'demo'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(out.trim().split('\n')).toEqual([
      '13',
      'FailedPreconditionError: Attempting to use uninitialized value foo',
      '42',
    ]);
  });
});
