// The load a scenario puts on a server: wrk for a time (blocking or not, with the server's CPU per request), an exact
// count of GETs, and warm-ups by count, taken in turns by several servers.
import { execFile, execFileSync } from 'node:child_process';
import http from 'node:http';
import { cpuSeconds, pin } from './runner.mjs';
import { parseWrk } from './stats.mjs';

/**
 * Exactly `count` GETs of `path` on 127.0.0.1:`port`, `connections` at a time on kept-alive sockets (wrk loads for a
 * time; a count is what an instruction count per request needs); any status but 200 rejects, with the body.
 */
export async function getExactly(port, path, count, connections) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const get = () =>
    new Promise((done, fail) => {
      const req = http.get({ port, path, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += res.statusCode === 200 ? '' : chunk));
        res.on('end', () => (res.statusCode === 200 ? done() : fail(new Error(`GET ${path}: ${res.statusCode} ${body.slice(0, 500)}`))));
      });
      req.on('error', fail);
    });
  let left = count;
  await Promise.all(Array.from({ length: connections }, async () => { while (left-- > 0) await get(); }));
  agent.destroy();
}

function wrkCommand(url, seconds, connections, headers) {
  const headerArgs = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  return [...pin(1), 'wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '--latency', ...headerArgs, url];
}

export function wrk(url, seconds, connections, headers = {}) {
  const [command, ...args] = wrkCommand(url, seconds, connections, headers);
  return parseWrk(execFileSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 20 }));
}

/**
 * Throws when a load served nothing: figures per request would read Infinity (null in JSON) and hide why. Names the
 * server, whether it is still running, wrk's socket errors and the end of the server's stderr.
 */
export function assertServed(sample, server) {
  if (sample.requests > 0) return;
  const state = server.child.exitCode === null && server.child.signalCode === null ? 'still running' : `exited (${server.child.exitCode ?? server.child.signalCode})`;
  throw new Error(`${server.name}: served no requests in a load (${state}; wrk socket errors ${sample.socketErrors ?? '?'}, non-2xx ${sample.non2xx ?? '?'}); its stderr ends:\n${server.stderr().slice(-2000)}`);
}

/** wrk without blocking the event loop, for a scenario that does something else during the load. */
export function wrkAsync(url, seconds, connections, headers = {}) {
  const [command, ...args] = wrkCommand(url, seconds, connections, headers);
  return new Promise((resolve, reject) =>
    execFile(command, args, { encoding: 'utf8', maxBuffer: 1 << 20 }, (error, out) => (error ? reject(error) : resolve(parseWrk(out)))),
  );
}

/**
 * wrk against a server (startServer's), with the CPU time it spent per request meanwhile (undefined without /proc);
 * throws as assertServed does when the load served nothing.
 */
export function wrkWithCpu(url, seconds, connections, server) {
  const pid = server.child.pid;
  const before = cpuSeconds(pid);
  const sample = wrk(url, seconds, connections);
  const after = cpuSeconds(pid);
  assertServed(sample, server);
  return { ...sample, cpuMicrosPerRequest: before === undefined || after === undefined ? undefined : ((after - before) * 1e6) / sample.requests };
}

/**
 * wrk against a server until it has served `requests`, in loads of a few seconds sized by the pace so far; returns
 * the requests served and the seconds it took. V8 optimises code by how often it ran, not for how long: a warm-up
 * by count brings a process as far on a slow machine as on a fast one (docs/performance.md).
 */
function warmUp(url, requests, connections) {
  const started = performance.now();
  let served = 0;
  let seconds = 1;
  while (served < requests) {
    const load = wrk(url, seconds, connections).requests;
    // A server that answers nothing would keep the loop going for ever.
    if (!(load > 0)) throw new Error(`warm-up: ${url} served no request in ${seconds} s (${served} of ${requests} so far)`);
    served += load;
    const pace = served / ((performance.now() - started) / 1000);
    seconds = Math.min(10, Math.max(1, Math.ceil((requests - served) / pace)));
  }
  return { requests: served, seconds: (performance.now() - started) / 1000 };
}

/**
 * `warmUp` of several servers, in turns (up to six, of 10,000 requests or more each): warmed one after another, the
 * first sat idle for minutes before the rounds and in most runs measured slower, collecting more garbage
 * (docs/performance-log.md, "Twelfth look"). Returns each server's requests and seconds, in the order of `urls`.
 */
export function warmUpInTurns(urls, requests, connections) {
  const turns = Math.max(1, Math.min(6, Math.floor(requests / 10_000)));
  const totals = urls.map(() => ({ requests: 0, seconds: 0 }));
  for (let turn = 0; turn < turns; turn++) {
    for (const [i, url] of urls.entries()) {
      const w = warmUp(url, Math.ceil(requests / turns), connections);
      totals[i].requests += w.requests;
      totals[i].seconds += w.seconds;
    }
  }
  return totals;
}
