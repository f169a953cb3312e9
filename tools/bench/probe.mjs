// Loaded into an app under test with `node --expose-gc --import tools/bench/probe.mjs`: counts the
// AsyncLocalStorage stores (the CLS contexts) the app creates and how many are still alive, remembers its HTTP
// servers, and on SIGUSR2 collects garbage and prints one JSON line `{"probe":{...}}` on stderr with resident
// memory, heap, live stores, active resources (timers, sockets, ...) and event listeners.
import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import { Server } from 'node:http';

let created = 0;
let collected = 0;
const registry = new FinalizationRegistry(() => {
  collected++;
});
const track = (store) => {
  if (store !== null && typeof store === 'object') {
    created++;
    registry.register(store, undefined);
  }
};
for (const method of ['enterWith', 'run']) {
  const original = AsyncLocalStorage.prototype[method];
  AsyncLocalStorage.prototype[method] = function (store, ...rest) {
    track(store);
    return original.call(this, store, ...rest);
  };
}

const servers = new Set();
const listen = Server.prototype.listen;
Server.prototype.listen = function (...args) {
  servers.add(this);
  return listen.apply(this, args);
};

/**
 * Resident memory by kind of mapping (Linux): program and library files, malloc's main heap, V8's heap pages, and the
 * rest of the anonymous maps (malloc's thread arenas and large chunks, V8's large objects and code). V8 maps each
 * regular heap page on its own, 256 KiB, read-write: it keeps pages its heap no longer uses resident (measured:
 * docs/performance-log.md, "Fifth look"), so these show the heap's peak, where the committed heap shows its present.
 */
function residentByMapping() {
  const kb = { files: 0, brkHeap: 0, v8Pages: 0, anonymous: 0 };
  let kind = 'anonymous';
  try {
    for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
      const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
      if (head) {
        const size = parseInt(head[2], 16) - parseInt(head[1], 16);
        kind = head[4].startsWith('/') ? 'files' : head[4] === '[heap]' ? 'brkHeap' : !head[4] && head[3] === 'rw-p' && size === V8_PAGE ? 'v8Pages' : 'anonymous';
      } else if (line.startsWith('Rss:')) kb[kind] += Number(line.split(/\s+/)[1]);
    }
  } catch {
    return undefined;
  }
  return Object.fromEntries(Object.entries(kb).map(([k, v]) => [`${k}Bytes`, v * 1024]));
}
const V8_PAGE = 256 * 1024;

const listenerTotal = (emitter) => emitter.eventNames().reduce((n, name) => n + emitter.listenerCount(name), 0);
const settle = () => new Promise((resolve) => setImmediate(resolve));

process.on('SIGUSR2', async () => {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await settle();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const resources = {};
  for (const type of process.getActiveResourcesInfo()) resources[type] = (resources[type] ?? 0) + 1;
  const memory = process.memoryUsage();
  const probe = {
    gc: typeof globalThis.gc === 'function',
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    heapTotalBytes: memory.heapTotal,
    externalBytes: memory.external,
    arrayBuffersBytes: memory.arrayBuffers,
    resident: residentByMapping(),
    storesCreated: created,
    storesLive: created - collected,
    activeResources: resources,
    serverListeners: [...servers].reduce((n, s) => n + listenerTotal(s), 0),
    processListeners: listenerTotal(process),
  };
  process.stderr.write(`${JSON.stringify({ probe })}\n`);
});
