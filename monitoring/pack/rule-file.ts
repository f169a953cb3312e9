/** An alerting rule as the pack writes it: every alert has a severity, a service, a summary, a description and a runbook. */
export interface AlertRule {
  alert: string;
  /** A line or two on why the expression is what it is. */
  comment?: string;
  expr: string;
  for?: string;
  /** `none`: not a problem to act on (the Watchdog). */
  severity: 'critical' | 'warning' | 'none';
  service: string;
  summary: string;
  description: string;
}

export interface RecordRule {
  record: string;
  comment?: string;
  expr: string;
  labels?: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  rules: Array<AlertRule | RecordRule>;
}

export interface RuleFile {
  /** File name under prometheus/rules/. */
  file: string;
  /** Comment lines at the top of the file. */
  header: string[];
  groups: RuleGroup[];
}

/** A scalar as YAML: plain when that is safe, single-quoted otherwise. */
function scalar(value: string): string {
  const plainSafe = /^[A-Za-z0-9(][^#]*$/.test(value) && !/: |:$|\s$/.test(value);
  return plainSafe ? value : `'${value.replaceAll("'", "''")}'`;
}

/** Text folded (`>-`) at about 110 columns, each line indented by `indent`. */
function folded(text: string, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > 118) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((l) => `${indent}${l}`).join('\n');
}

function block(expr: string, indent: string): string {
  return expr
    .trim()
    .split('\n')
    .map((l) => (l ? `${indent}${l}` : ''))
    .join('\n');
}

/** The rule file as Prometheus reads it, with the comments kept. */
export function renderRuleFile(file: RuleFile, runbookBaseUrl: string): string {
  const out: string[] = [...file.header.map((l) => `# ${l}`.trimEnd()), 'groups:'];
  for (const group of file.groups) {
    out.push(`  - name: ${group.name}`, '    rules:');
    for (const [i, rule] of group.rules.entries()) {
      if ('alert' in rule && i > 0) out.push('');
      out.push('alert' in rule ? `      - alert: ${rule.alert}` : `      - record: ${rule.record}`);
      if (rule.comment) out.push(...rule.comment.split('\n').map((l) => `        # ${l}`));
      if ('alert' in rule) {
        out.push(rule.expr.includes('\n') ? `        expr: |\n${block(rule.expr, '          ')}` : `        expr: ${rule.expr}`);
        if (rule.for) out.push(`        for: ${rule.for}`);
        out.push('        labels:', `          severity: ${rule.severity}`, `          service: ${rule.service}`);
        out.push('        annotations:', `          summary: ${scalar(rule.summary)}`, '          description: >-', folded(rule.description, '            '));
        out.push(`          runbook_url: ${runbookBaseUrl}${rule.alert}.md`);
      } else {
        if (rule.labels) out.push(`        labels: { ${Object.entries(rule.labels).map(([k, v]) => `${k}: ${v}`).join(', ')} }`);
        out.push(`        expr: ${rule.expr.includes('\n') ? `|\n${block(rule.expr, '          ')}` : rule.expr}`);
      }
    }
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
