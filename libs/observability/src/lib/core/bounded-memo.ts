/**
 * `make` with its results kept for at most `max` distinct strings: for the few values a hot path formats again and
 * again (log keys, method and route labels, a comment's application or route). Past `max`, results are made each
 * time and nothing more is kept, so values from outside stay unbounded in number but not in memory.
 */
export function boundedMemo(make: (value: string) => string, max: number): (value: string) => string {
  const kept = new Map<string, string>();
  return (value) => {
    let result = kept.get(value);
    if (result === undefined) {
      result = make(value);
      if (kept.size < max) kept.set(value, result);
    }
    return result;
  };
}
