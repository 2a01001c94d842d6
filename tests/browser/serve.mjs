// serve.mjs: a small read-only static file server for the benchmarks (bench/), on
// 127.0.0.1 and a free port, serving one folder (an archive's data/). It counts the bytes
// it sends, which `desk-archive serve` does not; the browser tests use the real
// `desk-archive serve`. It refuses paths outside the folder.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.md': 'text/markdown; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
};

/**
 * Starts serving `root`; resolves to { url, close(), sent(), reset() } where `sent()` is the
 * bytes of file bodies sent since the last `reset()`, by path.
 */
export function serve(root) {
  const base = path.resolve(root);
  let sent = new Map();
  const server = createServer((req, res) => {
    let rel;
    try {
      rel = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (rel === '/favicon.ico') {
      // Browsers ask for it on their own; the archive has none. No error in the console.
      res.writeHead(204).end();
      return;
    }
    let file = path.resolve(base, '.' + rel);
    if (file !== base && !file.startsWith(base + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    let stat;
    try {
      stat = statSync(file);
      if (stat.isDirectory()) {
        file = path.join(file, 'index.html');
        stat = statSync(file);
      }
    } catch {
      res.writeHead(404).end();
      return;
    }
    const type = TYPES[path.extname(file)] || 'application/octet-stream';
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': stat.size });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const key = path.relative(base, file).split(path.sep).join('/');
    sent.set(key, (sent.get(key) || 0) + stat.size);
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}/`,
        close: () => new Promise((done) => {
          server.closeAllConnections();
          server.close(done);
        }),
        sent: () => new Map(sent),
        reset: () => {
          sent = new Map();
        },
      });
    });
  });
}
