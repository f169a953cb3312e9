import { randomFillSync } from 'node:crypto';

/** Random bytes for 128 ids, filled from the system's CSPRNG at once (as Node's own randomUUID buffers them). */
const BATCH = 128 * 16;
const random = Buffer.alloc(BATCH);
let offset = BATCH;

/** Where each of the 16 bytes' two hex digits go in `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`. */
const SLOTS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
/** Each byte's two hex digits as character codes (lower case, as Node's randomUUID writes them). */
const DIGITS = new Uint8Array(512);
for (let byte = 0; byte < 256; byte++) {
  const hex = byte.toString(16).padStart(2, '0');
  DIGITS[2 * byte] = hex.charCodeAt(0);
  DIGITS[2 * byte + 1] = hex.charCodeAt(1);
}
const DASH = 0x2d;
const text = Buffer.alloc(36);
text[8] = text[13] = text[18] = text[23] = DASH;

/**
 * A random (version 4) UUID, as `crypto.randomUUID()` makes it, at about 60 % of its cost: the 36 characters are written
 * into one buffer and read as one flat string, where Node joins 20 pieces into a string that every later reader (the
 * header check, the comment and the log line) flattens first (docs/performance-log.md, "Eighteenth look").
 */
export function uuidV4(): string {
  if (offset === BATCH) {
    randomFillSync(random);
    offset = 0;
  }
  for (let i = 0; i < 16; i++) {
    let byte = random[offset + i];
    // RFC 9562: the version (4) in the seventh byte's high nibble, the variant (10) in the ninth byte's two high bits.
    if (i === 6) byte = (byte & 0x0f) | 0x40;
    else if (i === 8) byte = (byte & 0x3f) | 0x80;
    const slot = SLOTS[i];
    text[slot] = DIGITS[2 * byte];
    text[slot + 1] = DIGITS[2 * byte + 1];
  }
  offset += 16;
  return text.toString('latin1', 0, 36);
}
