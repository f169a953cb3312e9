// The bench scripts' int specs all do one thing first: run a script of tools/bench for real with its --json output,
// then read what it wrote.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Runs `tools/bench/<script>` with `args` and `--json=tmp/bench/<name>.json`; resolves with that file's content and
 * the script's standard output. A failing script rejects with its standard error.
 */
export async function runJsonScript<T>(script: string, name: string, args: string[], timeout: number): Promise<{ json: T; stdout: string }> {
  const jsonPath = join(root, `tmp/bench/${name}.json`);
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, [join(root, 'tools/bench', script), ...args, `--json=${jsonPath}`], { cwd: root, timeout, maxBuffer: 16 << 20 }, (error, out, err) =>
      error ? reject(new Error(`${script} failed: ${error.message}\n${err}`)) : resolve(out),
    );
  });
  return { json: JSON.parse(readFileSync(jsonPath, 'utf8')) as T, stdout };
}

type Functions = { on: { functions: Record<string, number> }; off: { functions: Record<string, number> } };

/** The calibration's spin as `--perf-record` names it: µs per unit added (on less off) in the functions `names`. */
export function spinAdded(perf: Functions, names: string[]): number {
  const sum = (functions: Record<string, number>) => names.reduce((total, name) => total + (functions[name] ?? 0), 0);
  return sum(perf.on.functions) - sum(perf.off.functions);
}
