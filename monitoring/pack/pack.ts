import { validateConfig, type PackConfig } from './config.ts';
import { renderRuleFile } from './rule-file.ts';
import { apiRules } from './rules/api.ts';
import { databaseRules } from './rules/database.ts';
import { metaRules } from './rules/meta.ts';
import { nodeRules } from './rules/node.ts';
import { queueRules } from './rules/queue.ts';
import { sloRules } from './rules/slo.ts';

/** Every rule file of the pack for `config`: file name -> its text. */
export function buildRuleFiles(config: PackConfig): Record<string, string> {
  validateConfig(config);
  const apis = config.services.filter((s) => s.kind === 'api');
  const workers = config.services.filter((s) => s.kind === 'worker');
  const files = [
    ...(apis.length ? [apiRules(config, apis), sloRules(config, apis)] : []),
    ...(workers.length ? [queueRules(config, workers)] : []),
    ...(config.postgresExporter === undefined && !config.services.length ? [] : [databaseRules(config)]),
    nodeRules(config),
    metaRules(config),
  ];
  return Object.fromEntries(files.map((f) => [f.file, renderRuleFile(f, config.runbookBaseUrl)]));
}
