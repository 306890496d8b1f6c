// A small static file server on 127.0.0.1 for the browser test and the
// browser example: GET only, no directory listings, nothing outside `root`.
//   const server = await serveStatic({ root: 'build/site', lifetimeMs: 60_000 });
//   console.log(server.url);  // http://127.0.0.1:<port>/
//   server.requests;          // paths asked for, in order
//   await server.close();
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.map': 'application/json',
  '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.png': 'image/png',
};

async function fileFor(root, urlPath) {
  const path = normalize(join(root, decodeURIComponent(urlPath)));
  if (path !== root && !path.startsWith(root.endsWith(sep) ? root : root + sep)) return null;
  const info = await stat(path).catch(() => null);
  if (info?.isDirectory()) return fileFor(root, join(urlPath, 'index.html'));
  return info?.isFile() ? path : null;
}

/**
 * Serves `root` on 127.0.0.1 (`port` 0: any free one). With `lifetimeMs` the
 * server closes itself after that long, so a stuck test cannot leave it behind.
 */
export async function serveStatic({ root, port = 0, lifetimeMs } = {}) {
  const requests = [];
  const server = createServer(async (request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://127.0.0.1');
    requests.push(pathname);
    const file = request.method === 'GET' || request.method === 'HEAD' ? await fileFor(normalize(root), pathname) : null;
    if (!file) { response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${pathname}\n`); return; }
    const body = await readFile(file);
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : body);
  });
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(port, '127.0.0.1', resolve); });
  const close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  if (lifetimeMs) setTimeout(close, lifetimeMs).unref();
  return { url: `http://127.0.0.1:${server.address().port}/`, requests, close };
}
