/** What a statement's text holds, read as PostgreSQL's lexer reads it (strings, quoted names, dollar quotes, comments). */
export interface SqlScan {
  /** The text ends outside any comment and literal: a comment appended after it is a comment of its own. */
  endsInCode: boolean;
  /** A block comment of sqlcommenter's shape (`key='value',…`) is already there: the statement is commented. */
  hasSqlComment: boolean;
}

const IDENTIFIER_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;
const SQLCOMMENTER = /^[A-Za-z0-9_.~%-]+='[^']*'(?:,[A-Za-z0-9_.~%-]+='[^']*')*$/;

/** Index just past the quote that closes the one at `start` (doubled quotes are the quote itself), or -1. */
function closeQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  for (let j = start + 1; j < sql.length; j++) {
    const c = sql[j];
    if (backslashEscapes && c === '\\') j++;
    else if (c === quote) {
      if (sql[j + 1] !== quote) return j + 1;
      j++;
    }
  }
  return -1;
}

/** Block comments nest in PostgreSQL. Index just past the `*\/` that closes the one at `start`, or -1. */
function closeBlockComment(sql: string, start: number): number {
  let depth = 1;
  let j = start + 2;
  while (j < sql.length - 1) {
    if (sql[j] === '/' && sql[j + 1] === '*') {
      depth++;
      j += 2;
    } else if (sql[j] === '*' && sql[j + 1] === '/') {
      j += 2;
      if (--depth === 0) return j;
    } else j++;
  }
  return -1;
}

/**
 * Reads a statement the way PostgreSQL's lexer does, far enough to know where comments are: `--` and `/*` inside a
 * string, a quoted name or a dollar-quoted body are text, not comments. Only called for a text that holds `--` or
 * `/*` somewhere (everything else ends in code and has no comment).
 */
export function scanSql(sql: string): SqlScan {
  let hasSqlComment = false;
  const end = (endsInCode: boolean): SqlScan => ({ endsInCode, hasSqlComment });
  for (let i = 0; i < sql.length; ) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const newline = sql.indexOf('\n', i + 2);
      if (newline < 0) return end(false);
      i = newline + 1;
    } else if (c === '/' && next === '*') {
      const close = closeBlockComment(sql, i);
      if (close < 0) return end(false);
      if (SQLCOMMENTER.test(sql.slice(i + 2, close - 2))) hasSqlComment = true;
      i = close;
    } else if (c === "'" || c === '"') {
      // E'…' strings take backslash escapes; ordinary ones do not (standard_conforming_strings, on by default).
      const prefix = sql[i - 1];
      const escapes = c === "'" && (prefix === 'E' || prefix === 'e') && !IDENTIFIER_CHAR.test(sql[i - 2] ?? ' ');
      const close = closeQuoted(sql, i, c, escapes);
      if (close < 0) return end(false);
      i = close;
    } else if (c === '$' && !IDENTIFIER_CHAR.test(sql[i - 1] ?? ' ')) {
      DOLLAR_TAG.lastIndex = i;
      const tag = DOLLAR_TAG.exec(sql)?.[0];
      if (!tag) i++;
      else {
        const close = sql.indexOf(tag, i + tag.length);
        if (close < 0) return end(false);
        i = close + tag.length;
      }
    } else i++;
  }
  return end(true);
}
