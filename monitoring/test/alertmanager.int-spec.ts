import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { requireBinary } from './support/binaries.js';

const config = join(dirname(fileURLToPath(import.meta.url)), '../alertmanager/alertmanager.yml');

function amtool(...args: string[]): string {
  return execFileSync(requireBinary('amtool', 'prometheus-alertmanager'), args, { encoding: 'utf8', stdio: 'pipe' }).trim();
}

describe('Alertmanager configuration', () => {
  it('passes amtool check-config', () => {
    expect(amtool('check-config', config)).toContain('SUCCESS');
  });

  it.each([
    [['severity=none', 'alertname=Watchdog', 'service=monitoring'], 'deadmansswitch'],
    [['severity=critical', 'alertname=ApiDown', 'service=api'], 'slack-critical'],
    [['severity=critical', 'alertname=QueueNotProgressing', 'service=worker'], 'slack-critical'],
    [['severity=warning', 'alertname=DiskFillingUp', 'service=node'], 'email-oncall'],
    [['alertname=SomethingUnlabelled'], 'email-oncall'],
  ])('routes %j to %s', (labels, receiver) => {
    expect(amtool('config', 'routes', 'test', `--config.file=${config}`, ...labels)).toBe(receiver);
  });

  it('groups by alert and service and repeats every 4 hours', () => {
    const parsed = parse(readFileSync(config, 'utf8'));
    expect(parsed.route.group_by).toEqual(['alertname', 'service']);
    expect(parsed.route.repeat_interval).toBe('4h');
  });

  it('holds no secret: the webhook URL and SMTP password come from files', () => {
    const text = readFileSync(config, 'utf8');
    expect(text).not.toMatch(/^\s*(api_url|smtp_auth_password|auth_password):/m);
    expect(text).not.toMatch(/hooks\.slack\.com/);
    expect(text).toMatch(/api_url_file:/);
    expect(text).toMatch(/smtp_auth_password_file:/);
  });
});
