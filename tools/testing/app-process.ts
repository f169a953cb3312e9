import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './services.js';
import { waitFor } from './log-capture.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

// Every child still running when the test process exits is killed, so a test that failed before it could stop its
// apps (a start that timed out inside Promise.all) leaves nothing behind; the Jest configs that start apps force the
// exit, since the children's pipes would otherwise keep Jest waiting.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** How to start a process other than the workspace's built apps (a consumer app installed elsewhere). */
export interface Launch {
  script: string;
  cwd?: string;
  /** The node binary; default: the one running the tests. */
  node?: string;
  /** Options for node before the script, such as `--import` of an OpenTelemetry setup. */
  nodeArgs?: string[];
  /** Polled until it answers 2xx; default `/health/live`. */
  readyPath?: string;
}

/** A built app (dist/apps/<app>/main.js) run as a real process, its JSON log lines collected from stdout. */
export class AppProcess {
  readonly lines: Array<Record<string, any>> = [];
  readonly stderr: string[] = [];
  private exit?: Promise<number | null>;

  private constructor(
    readonly name: string,
    readonly url: string,
    private readonly child: ChildProcess,
  ) {
    let buffered = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        try {
          this.lines.push(JSON.parse(line));
        } catch {
          this.lines.push({ raw: line });
        }
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => this.stderr.push(chunk));
    this.exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /**
   * Starts the app on a free port and resolves once it answers `/health/live`. A port picked free can be taken
   * before the app binds it (an outgoing connection's local port): on EADDRINUSE the start is retried elsewhere.
   */
  static async start(app: string, env: Record<string, string>, launch?: Launch): Promise<AppProcess> {
    for (let attempt = 1; ; attempt++) {
      const started = await AppProcess.startOnce(app, env, launch ?? { script: join(root, 'dist/apps', app, 'main.js') });
      if (started.running) return started;
      const output = `${started.stderr.join('')}${JSON.stringify(started.lines)}`;
      if (!output.includes('EADDRINUSE') || attempt >= 3) throw new Error(`${app} exited at start: ${started.stderr.join('')}`);
    }
  }

  private static async startOnce(app: string, env: Record<string, string>, launch: Launch): Promise<AppProcess> {
    const port = await freePort();
    const child = spawn(launch.node ?? process.execPath, ['--enable-source-maps', ...(launch.nodeArgs ?? []), launch.script], {
      cwd: launch.cwd,
      env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'debug', ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    child.once('exit', () => live.delete(child));
    const started = new AppProcess(app, `http://127.0.0.1:${port}`, child);
    // Generous: under a full `npm test` two cores also run other projects' builds and apps; a ready app returns at once.
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (!started.running) return started;
      try {
        if ((await fetch(`${started.url}${launch.readyPath ?? '/health/live'}`)).ok) return started;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`${app} did not answer ${launch.readyPath ?? '/health/live'} within 60 s: ${started.stderr.join('')}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  find(predicate: (line: Record<string, any>) => boolean): Record<string, any> | undefined {
    return this.lines.find(predicate);
  }

  waitForLine(predicate: (line: Record<string, any>) => boolean, what: string, timeoutMs = 10_000): Promise<Record<string, any>> {
    return waitFor(() => this.find(predicate), `${this.name}: ${what}`, timeoutMs);
  }

  /** SIGTERM, then the exit code (SIGKILL after `timeoutMs`, reported as null). */
  async stop(timeoutMs = 15_000): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exit!;
    clearTimeout(timer);
    return code;
  }

  /** SIGKILL: the process dies on the spot, as in an OOM kill or a node failure. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exit;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** What the process printed about unhandled rejections or uncaught exceptions (Node prints them on stderr). */
  crashReports(): string[] {
    const text = this.stderr.join('');
    return text.split('\n').filter((l) => /unhandled|uncaught|triggerUncaughtException/i.test(l));
  }

  async metrics(): Promise<string> {
    return (await fetch(`${this.url}/metrics`)).text();
  }
}

/** The value of one sample in a Prometheus text exposition, 0 when absent. */
export function sample(exposition: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(' ').at(-1));
  }
  return 0;
}
