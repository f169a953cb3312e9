import { createHash } from 'node:crypto';

const TOP_FRAMES = 5;

/**
 * A stable hash of an error's type and its top stack frames, so the same fault groups together across
 * requests, deploys and machines. Line and column numbers, absolute paths, query strings and id-like
 * tokens are normalised away; the message is left out, since messages carry ids and user input.
 */
export function errorFingerprint(error: unknown): string {
  const type = errorType(error);
  const stack = error instanceof Error && typeof error.stack === 'string' ? error.stack : '';
  const frames = topFrames(stack);
  const basis = frames.length > 0 ? frames : [normaliseText(error instanceof Error ? error.message : String(error))];
  return createHash('sha256').update([type, ...basis].join('\n')).digest('hex').slice(0, 16);
}

/** The error's class name, bounded to a label-safe token (it becomes the `error_type` label). */
export function errorType(error: unknown): string {
  let name: string | undefined;
  if (error instanceof Error) name = error.constructor?.name || error.name;
  else if (error !== null && typeof error === 'object') name = (error as object).constructor?.name;
  const safe = (name ?? 'NonError').replace(/[^A-Za-z0-9_]/g, '_').slice(0, 64);
  return safe.length > 0 ? safe : 'NonError';
}

function topFrames(stack: string): string[] {
  const frames = stack
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('at '))
    .map(normaliseFrame);
  // Frames of the application say more about a fault than frames of the framework that called it.
  const own = frames.filter((f) => !f.includes('node_modules/') && !f.includes('node:'));
  return (own.length > 0 ? own : frames).slice(0, TOP_FRAMES);
}

function normaliseFrame(frame: string): string {
  return normaliseText(
    frame
      .replace(/file:\/\//g, '')
      .replace(/\?[^:)\s]*/g, '') // cache-busting query strings of ESM loaders
      .replace(/:\d+:\d+/g, '') // line:column
      .replace(/:\d+\)/g, ')')
      .replace(/(\/[^\s()]*)?\/(node_modules\/)/g, '$2') // absolute prefix before node_modules
      .replace(/\((?:\/[^\s()/]+)+\/((?:apps|libs|src|dist)\/)/g, '($1') // absolute prefix before the project's folders
      .replace(/index \d+/g, 'index N'),
  );
}

function normaliseText(text: string): string {
  return text
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>')
    .replace(/\b[0-9a-f]{16,}\b/gi, '<hex>')
    .replace(/\d+/g, 'N');
}
