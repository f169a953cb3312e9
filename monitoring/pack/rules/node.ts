import type { PackConfig } from '../config.ts';
import type { AlertRule, RuleFile } from '../rule-file.ts';

const REAL_FS = 'fstype!~"tmpfs|ramfs|overlay|squashfs|nsfs|fuse.lxcfs"';

/** Disk alerts from node_exporter; per filesystem and instance, so no aggregation applies. */
export function nodeRules(_config: PackConfig): RuleFile {
  const fs = (metric: string, range = '') => `${metric}{${REAL_FS}}${range}`;
  const free = `(
  ${fs('node_filesystem_avail_bytes')}
    / ${fs('node_filesystem_size_bytes')}
)`;
  const writable = `${fs('node_filesystem_readonly')} == 0`;
  const rules: AlertRule[] = [
    {
      alert: 'DiskSpaceLow',
      expr: `${free} < 0.10
and ${writable}`,
      for: '5m',
      severity: 'critical',
      service: 'node',
      summary: '{{ $labels.mountpoint }} on {{ $labels.instance }} has {{ $value | humanizePercentage }} space left',
      description: 'Less than 10% of the filesystem is free. PostgreSQL stops accepting writes when its disk is full.',
    },
    {
      alert: 'DiskFillingUp',
      comment: 'At the rate of the last 6 hours, full within 24 hours.',
      expr: `predict_linear(${fs('node_filesystem_avail_bytes', '[6h]')}, 24 * 3600) < 0
and
${free} < 0.40
and ${writable}`,
      for: '1h',
      severity: 'warning',
      service: 'node',
      summary: '{{ $labels.mountpoint }} on {{ $labels.instance }} will be full within a day',
      description: 'At the rate of the last 6 hours the filesystem fills up within 24 hours. Find what grows before it becomes DiskSpaceLow.',
    },
  ];
  return {
    file: 'node.rules.yml',
    header: ['Disk alerts from node_exporter. Read-only and pseudo filesystems are left out: they are full by design.'],
    groups: [{ name: 'node', rules }],
  };
}
