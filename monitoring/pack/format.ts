/** Numbers as the pack's texts show them (rule comments, alert descriptions, dashboard descriptions). */

/** Floating-point noise rounded away: 1 - 0.999 -> 0.001. */
export const round = (n: number) => Number(n.toPrecision(10));

/** 0.999 -> "99.9%". */
export const percent = (ratio: number) => `${round(ratio * 100)}%`;

/** 1 -> "1 s", 0.5 -> "500 ms". */
export const duration = (seconds: number) => (seconds >= 1 ? `${seconds} s` : `${Math.round(seconds * 1000)} ms`);
