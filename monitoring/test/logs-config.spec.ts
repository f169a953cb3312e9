import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';

/** No Loki, Alloy or Grafana binary runs here: their configuration is checked for what the stack relies on. */
const monitoring = join(dirname(fileURLToPath(import.meta.url)), '..');
const read = (path: string) => readFileSync(join(monitoring, path), 'utf8');

describe('log shipping and Grafana provisioning', () => {
  it('Loki accepts structured metadata (TSDB schema v13)', () => {
    const loki = parse(read('loki/loki.yml'));
    expect(loki.limits_config.allow_structured_metadata).toBe(true);
    expect(loki.schema_config.configs.at(-1)).toMatchObject({ store: 'tsdb', schema: 'v13' });
  });

  it('Alloy labels streams by service and level name only, and sends request_id as structured metadata', () => {
    const alloy = read('alloy/config.alloy');
    const labels = /stage\.labels\s*\{\s*values\s*=\s*\{([^}]*)\}/.exec(alloy)?.[1] ?? '';
    expect(labels.replace(/\s/g, '')).toBe('level="",service=""');
    expect(/stage\.structured_metadata\s*\{\s*values\s*=\s*\{\s*request_id\s*=\s*""\s*\}/.test(alloy)).toBe(true);
    for (const [number, name] of [['10', 'trace'], ['20', 'debug'], ['30', 'info'], ['40', 'warn'], ['50', 'error'], ['60', 'fatal']]) {
      expect(alloy).toContain(`eq .level_number "${number}" }}${name}`);
    }
    // Braces balance: a cheap guard against a broken block.
    expect(alloy.split('{').length).toBe(alloy.split('}').length);
  });

  it('Grafana links exemplars and log lines to every line of the same request, and to its trace', () => {
    const { datasources } = parse(read('grafana/provisioning/datasources/datasources.yml'));
    const byUid = Object.fromEntries(datasources.map((d: { uid: string }) => [d.uid, d]));
    expect(Object.keys(byUid).sort()).toEqual(['alertmanager', 'loki', 'prometheus', 'tempo']);
    expect(byUid.prometheus.jsonData.exemplarTraceIdDestinations).toEqual([
      expect.objectContaining({ name: 'request_id', datasourceUid: 'loki' }),
      expect.objectContaining({ name: 'trace_id', datasourceUid: 'tempo' }),
    ]);
    const [requestId, traceId] = byUid.loki.jsonData.derivedFields;
    const line = '{"level":30,"request_id":"abc-123","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","msg":"x"}';
    expect(new RegExp(requestId.matcherRegex).exec(line)?.[1]).toBe('abc-123');
    // Grafana expands ${...} in provisioning files as environment variables: its own variables must be escaped as $${...}.
    expect(requestId.url).toContain('| json | request_id = "$${__value.raw}"');
    expect(traceId).toMatchObject({ name: 'trace_id', datasourceUid: 'tempo', url: '$${__value.raw}' });
    expect(read('grafana/provisioning/datasources/datasources.yml').match(/(?<!\$)\$\{__/g)).toBeNull();
    expect(new RegExp(traceId.matcherRegex).exec(line)?.[1]).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    // Tempo's spans link back to the lines of their trace, by the field the module writes.
    expect(byUid.tempo.jsonData.tracesToLogsV2).toMatchObject({ datasourceUid: 'loki', customQuery: true });
    expect(byUid.tempo.jsonData.tracesToLogsV2.query).toContain('| json | trace_id = "$${__span.traceId}"');
  });

  it('Tempo takes OTLP over HTTP and gRPC, on the ports compose publishes', () => {
    const tempo = parse(read('tempo/tempo.yml'));
    expect(tempo.server.http_listen_port).toBe(3200);
    expect(tempo.distributor.receivers.otlp.protocols.http.endpoint).toBe('0.0.0.0:4318');
    expect(tempo.distributor.receivers.otlp.protocols.grpc.endpoint).toBe('0.0.0.0:4317');
  });

  it('Grafana loads the generated dashboards from files', () => {
    const { providers } = parse(read('grafana/provisioning/dashboards/dashboards.yml'));
    expect(providers).toEqual([expect.objectContaining({ type: 'file', options: expect.objectContaining({ path: '/var/lib/grafana/dashboards' }) })]);
  });
});
