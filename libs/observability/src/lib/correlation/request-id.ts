import { uuidV4 } from './uuid-v4.js';

export const MAX_REQUEST_ID_LENGTH = 128;

/** 1 to 128 characters of a small safe set: nothing that can break out of SQL comments, log structure or headers. */
const VALID_REQUEST_ID = new RegExp(`^[A-Za-z0-9._:-]{1,${MAX_REQUEST_ID_LENGTH}}$`);

export function isValidRequestId(value: unknown): value is string {
  return typeof value === 'string' && VALID_REQUEST_ID.test(value);
}

/** A fresh id: a random UUID (version 4). */
export function generateRequestId(): string {
  return uuidV4();
}

export interface RequestIdResolution {
  id: string;
  /** Why an incoming value was replaced; undefined when it was kept or absent. The raw value is never kept. */
  rejected?: 'empty' | 'too-long' | 'invalid-characters' | 'several-values';
}

/**
 * Keeps a valid incoming id, otherwise makes a fresh one. `raw` is a header value as Node gives it: a string,
 * or an array when the header came several times.
 */
export function resolveRequestId(raw: string | string[] | undefined): RequestIdResolution {
  if (raw === undefined) return { id: generateRequestId() };
  if (Array.isArray(raw)) {
    if (raw.length === 1) return resolveRequestId(raw[0]);
    return { id: generateRequestId(), rejected: 'several-values' };
  }
  if (VALID_REQUEST_ID.test(raw)) return { id: raw };
  const rejected = raw.length === 0 ? 'empty' : raw.length > MAX_REQUEST_ID_LENGTH ? 'too-long' : 'invalid-characters';
  return { id: generateRequestId(), rejected };
}
