/** A stack trace: a line, then lines starting with `at`. */
const STACK = /\n\s*at /;

/** Whether `text` holds a stack trace (a line, then lines starting with `at`). */
export const hasStack = (text: string) => STACK.test(text);

/**
 * Nest writes errors as `Logger.error(err, err.stack)` (its shutdown hooks, among others) and nestjs-pino takes the
 * last argument for the context, so the stack landed in `context`; with a context after it, the stack became the
 * message. Rewrites one pino call's arguments so the stack stays in `err` and `context` is a name: no line carries a
 * stack anywhere else. Arguments of any other shape are returned as they are.
 */
export function keepStackInErr(args: unknown[]): unknown[] {
  const fields = args[0];
  if (fields === null || typeof fields !== 'object') return args;
  const { context, err } = fields as { context?: unknown; err?: unknown };
  if (typeof context === 'string' && STACK.test(context)) {
    const { context: _stack, ...rest } = fields as Record<string, unknown>;
    // An Error already carries its stack; a message with a stack becomes an error of that message.
    if (!(err instanceof Error)) rest.err = { type: 'Error', message: typeof args[1] === 'string' ? args[1] : '', stack: context };
    return [rest, ...args.slice(1)];
  }
  if (err instanceof Error && typeof args[1] === 'string' && STACK.test(args[1])) return [fields, ...args.slice(2)];
  return args;
}
