import { validateConfig, type PackConfig } from './config.ts';
import { buildDashboards } from './dashboards/dashboards.ts';
import { renderRuleFile, type RuleFile } from './rule-file.ts';
import { buildRuleTests, RULE_TESTS_FILE } from './rule-tests.ts';
import { apiRules } from './rules/api.ts';
import { databaseRules } from './rules/database.ts';
import { metaRules } from './rules/meta.ts';
import { nodeRules } from './rules/node.ts';
import { queueRules } from './rules/queue.ts';
import { sloRules } from './rules/slo.ts';

/** Every rule file of the pack for `config`: file name -> its text. */
export function buildRuleFiles(config: PackConfig): Record<string, string> {
  return Object.fromEntries(ruleFiles(config).map((f) => [f.file, renderRuleFile(f, config.runbookBaseUrl)]));
}

/** The rule files of the pack, before rendering. */
export function ruleFiles(config: PackConfig): RuleFile[] {
  validateConfig(config);
  const apis = config.services.filter((s) => s.kind === 'api');
  const workers = config.services.filter((s) => s.kind === 'worker');
  return [
    ...(apis.length ? [apiRules(config, apis), sloRules(config, apis)] : []),
    ...(workers.length ? [queueRules(config, workers)] : []),
    ...(config.postgresExporter === undefined && !config.services.length ? [] : [databaseRules(config)]),
    nodeRules(config),
    metaRules(config),
  ];
}

/** The whole pack for `config`, as the files it writes: rules and their generic promtool tests (YAML), dashboards (JSON). */
export function buildPack(config: PackConfig): Record<'rules' | 'tests' | 'dashboards', Record<string, string>> {
  const files = ruleFiles(config);
  const tests = buildRuleTests(config, files);
  const dashboards = Object.entries(buildDashboards(config)).map(([file, d]) => [file, `${JSON.stringify(d, null, 2)}\n`]);
  return {
    rules: Object.fromEntries(files.map((f) => [f.file, renderRuleFile(f, config.runbookBaseUrl)])),
    tests: tests ? { [RULE_TESTS_FILE]: tests } : {},
    dashboards: Object.fromEntries(dashboards),
  };
}
