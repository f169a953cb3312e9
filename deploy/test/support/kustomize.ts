import { readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

/** A Kubernetes object as the manifests hold it. */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: any; data?: Record<string, string> };

/** The kustomize fields the generated kustomizations use, and so the only ones this renderer implements. */
const SUPPORTED = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'images', 'patches', 'configMapGenerator', 'generatorOptions']);

/** Pod templates of the workloads, where images and containers are. */
export const podTemplates = (objects: K8sObject[]) => objects.filter((o) => ['Deployment', 'Job'].includes(o.kind)).map((o) => ({ owner: o, pod: o.spec.template.spec }));

function applyJsonPatch(target: any, ops: Array<{ op: string; path: string; value?: unknown }>): void {
  for (const { op, path, value } of ops) {
    const keys = path.split('/').slice(1);
    const last = keys.pop()!;
    const parent = keys.reduce((node, key) => node?.[key], target);
    if (parent === undefined || (op !== 'add' && !(last in parent))) throw new Error(`patch ${op} ${path}: no such path`);
    if (op === 'remove') delete parent[last];
    else if (op === 'replace' || op === 'add') parent[last] = value;
    else throw new Error(`patch op ${op}: not implemented here`);
  }
}

/**
 * `kubectl kustomize <dir>` for the subset of kustomize the generator writes (namespace, images, JSON 6902 patches,
 * ConfigMaps from files without a hash suffix); a field outside it is refused rather than ignored, so a
 * kustomization this cannot render faithfully fails the test instead of passing it.
 */
export function kustomize(dir: string): K8sObject[] {
  const k = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'));
  for (const field of Object.keys(k)) if (!SUPPORTED.has(field)) throw new Error(`${dir}: kustomization field ${field} is not rendered by this test`);
  const objects: K8sObject[] = [];
  for (const resource of k.resources ?? []) {
    const path = join(dir, resource);
    if (statSync(path).isDirectory()) objects.push(...kustomize(path));
    else objects.push(...parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS() as K8sObject));
  }
  for (const generator of k.configMapGenerator ?? []) {
    if (k.generatorOptions?.disableNameSuffixHash !== true) throw new Error(`${dir}: a hash suffix is not rendered by this test`);
    const data = Object.fromEntries(generator.files.map((f: string) => [basename(f), readFileSync(join(dir, f), 'utf8')]));
    objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: generator.name }, data });
  }
  for (const { target, patch } of k.patches ?? []) {
    const matches = objects.filter((o) => o.kind === target.kind && o.metadata.name === target.name);
    if (matches.length !== 1) throw new Error(`${dir}: patch target ${target.kind}/${target.name} matches ${matches.length} objects`);
    applyJsonPatch(matches[0], parse(patch));
  }
  for (const image of k.images ?? []) {
    for (const { pod } of podTemplates(objects)) {
      for (const c of pod.containers) if (c.image.replace(/:[^:/]+$/, '') === image.name) c.image = `${image.newName ?? image.name}:${image.newTag}`;
    }
  }
  if (k.namespace) for (const o of objects) o.metadata.namespace = k.namespace;
  return objects;
}
