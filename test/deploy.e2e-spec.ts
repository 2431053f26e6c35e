// The deployment files, checked offline: every Kubernetes object against the Kubernetes OpenAPI
// JSON schemas (kubernetes-models' precompiled validators, no network), then the operational rules
// this service depends on. deploy/k8s/base is the single-replica SQLite deployment (what
// `kubectl apply -k deploy/k8s` applies); deploy/k8s/replicas is the several-replicas overlay on
// PostgreSQL, rendered here the way kustomize renders it. Nothing here starts the app (no dist/).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';
import { parse, parseAllDocuments } from 'yaml';
import { parseEnv } from '../src/config/app-config';

const K8S = join(__dirname, '..', 'deploy', 'k8s');
const DIR = join(K8S, 'base');
const OVERLAY = join(K8S, 'replicas');

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Service': Service,
};
const BASE_KINDS = ['apps/v1/Deployment', 'v1/ConfigMap', 'v1/Secret', 'v1/PersistentVolumeClaim', 'v1/Service'];

interface Manifest {
  file: string;
  object: any;
}

function loadFile(path: string): any[] {
  const out: any[] = [];
  for (const doc of parseAllDocuments(readFileSync(path, 'utf8'))) {
    if (doc.errors.length) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const object = doc.toJS();
    if (object) out.push(object);
  }
  return out;
}

function load(dir = DIR): Manifest[] {
  const out: Manifest[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const object of loadFile(join(dir, file))) out.push({ file, object });
  }
  return out;
}

// ---- Rendering a kustomization -------------------------------------------------------------
// The real kustomize (`kustomize build` or `kubectl kustomize`) when the machine has one; else a
// small renderer for exactly the features these kustomizations use (resources: files and
// directories; labels without selectors; patches: strategic merge by kind and name, `$patch:
// delete` on objects and list items, `null` deleting a key). It refuses anything else, and where a
// kustomize binary exists a test proves both render the same objects.

const isMap = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
// The strategic-merge keys of the lists the patches touch (Kubernetes' patchMergeKey); any other
// list is replaced whole, as strategic merge does for atomic lists.
const MERGE_KEYS: Record<string, string> = { containers: 'name', initContainers: 'name', volumes: 'name', env: 'name', volumeMounts: 'mountPath' };

function strategicMerge(base: any, patch: any): any {
  if (!isMap(base) || !isMap(patch)) return patch;
  const out: Record<string, any> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch') throw new Error(`unsupported $patch: ${value} inside a map`);
    if (value === null) delete out[key];
    else if (Array.isArray(value) && MERGE_KEYS[key] && Array.isArray(out[key])) out[key] = mergeList(out[key], value, MERGE_KEYS[key]);
    else out[key] = strategicMerge(out[key], value);
  }
  return out;
}

function mergeList(base: any[], patch: any[], key: string): any[] {
  const out = [...base];
  for (const item of patch) {
    const at = out.findIndex((b) => b[key] === item[key]);
    if (item.$patch === 'delete') {
      if (at < 0) throw new Error(`$patch: delete of ${key}=${item[key]}, which is not there`);
      out.splice(at, 1);
    } else if (at >= 0) out[at] = strategicMerge(out[at], item);
    else out.push(item);
  }
  return out;
}

const identity = (o: any) => `${o.apiVersion}/${o.kind}/${o.metadata.name}`;

function renderHere(dir: string): any[] {
  const { resources = [], labels = [], patches = [], ...rest } = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'));
  const unsupported = Object.keys(rest).filter((k) => k !== 'apiVersion' && k !== 'kind');
  if (unsupported.length) throw new Error(`${dir}: the spec's renderer does not know ${unsupported.join(', ')}`);
  let objects: any[] = resources.flatMap((r: string) => (statSync(join(dir, r)).isDirectory() ? renderHere(join(dir, r)) : loadFile(join(dir, r))));
  for (const entry of patches) {
    if (entry.target || entry.options) throw new Error(`${dir}: the spec's renderer only applies strategic-merge patches by kind and name`);
    const docs = entry.path ? loadFile(join(dir, entry.path)) : [parse(entry.patch)];
    for (const doc of docs) {
      const at = objects.findIndex((o) => identity(o) === identity(doc));
      if (at < 0) throw new Error(`${dir}: patch for ${identity(doc)}, which is not among the resources`);
      if (doc.$patch === 'delete') objects = objects.filter((_, i) => i !== at);
      else objects[at] = strategicMerge(objects[at], doc);
    }
  }
  for (const entry of labels) {
    if (entry.includeSelectors || entry.includeTemplates) throw new Error(`${dir}: the spec's renderer adds labels to metadata only`);
    objects = objects.map((o) => ({ ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, ...entry.pairs } } }));
  }
  return objects;
}

function kustomizeBinary(): { cmd: string; args: string[] } | null {
  for (const [cmd, args, version] of [['kustomize', ['build'], ['version']], ['kubectl', ['kustomize'], ['version', '--client']]] as const) {
    const probe = spawnSync(cmd, [...version], { encoding: 'utf8', timeout: 20000 });
    if (!probe.error && probe.status === 0) return { cmd, args: [...args] };
  }
  return null;
}
const KUSTOMIZE = kustomizeBinary();

function renderWithKustomize(dir: string): any[] {
  const run = spawnSync(KUSTOMIZE!.cmd, [...KUSTOMIZE!.args, dir], { encoding: 'utf8', timeout: 60000 });
  if (run.status !== 0) throw new Error(`${KUSTOMIZE!.cmd} ${KUSTOMIZE!.args.join(' ')} ${dir} failed: ${run.stderr || run.error}`);
  return parseAllDocuments(run.stdout).map((d) => d.toJS()).filter(Boolean);
}

const render = (dir: string) => (KUSTOMIZE ? renderWithKustomize(dir) : renderHere(dir));
const byIdentity = (objects: any[]) => [...objects].sort((a, b) => identity(a).localeCompare(identity(b)));

describe('deploy/k8s/base manifests (single replica, SQLite)', () => {
  const manifests = load();
  const objects = manifests.filter((m) => m.object.kind !== 'Kustomization');
  const find = (kind: string) => {
    const found = objects.filter((m) => m.object.kind === kind);
    expect(found).toHaveLength(1);
    return found[0].object;
  };

  it('every object is a known kind and valid against the Kubernetes schema', () => {
    expect(objects.map((m) => `${m.object.apiVersion}/${m.object.kind}`).sort()).toEqual([...BASE_KINDS].sort());
    for (const { file, object } of objects) {
      const Model = MODELS[`${object.apiVersion}/${object.kind}`];
      expect(() => new Model(object).validate()).not.toThrow();
      expect(object.metadata?.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(file).toBe(`${object.kind === 'PersistentVolumeClaim' ? 'pvc' : object.kind.toLowerCase()}.yaml`);
    }
  });

  it('the schema validator really rejects a broken object (so the test above means something)', () => {
    const broken = JSON.parse(JSON.stringify(find('Deployment')));
    broken.spec.replicas = 'one';
    delete broken.spec.template.spec.containers[0].name;
    expect(() => new Deployment(broken).validate()).toThrow(/replicas must be integer|required property/);
  });

  it('kustomization lists every manifest', () => {
    const kustomization = manifests.find((m) => m.object.kind === 'Kustomization')!.object;
    expect([...kustomization.resources].sort()).toEqual([...new Set(objects.map((m) => m.file))].sort());
  });

  it('Deployment: one replica, Recreate, non-root, read-only root filesystem, /data on the claim', () => {
    const deployment = find('Deployment');
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy.type).toBe('Recreate');
    const pod = deployment.spec.template.spec;
    expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.automountServiceAccountToken).toBe(false);
    // Longer than the process's own 10 s shutdown bound.
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(10);

    expect(pod.containers).toHaveLength(1);
    const [container] = pod.containers;
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    const mounts = Object.fromEntries(container.volumeMounts.map((m: any) => [m.mountPath, m.name]));
    expect(Object.keys(mounts).sort()).toEqual(['/data', '/tmp']);
    const volumes = Object.fromEntries(pod.volumes.map((v: any) => [v.name, v]));
    expect(volumes[mounts['/data']].persistentVolumeClaim.claimName).toBe(find('PersistentVolumeClaim').metadata.name);
    expect(volumes[mounts['/tmp']].emptyDir).toBeDefined();
    expect(find('PersistentVolumeClaim').spec.accessModes).toEqual(['ReadWriteOnce']);
  });

  it('probes: startup and liveness on /health/live, readiness on /health/ready, on the served port', () => {
    const [container] = find('Deployment').spec.template.spec.containers;
    const port = container.ports.find((p: any) => p.name === 'http');
    expect(port.containerPort).toBe(Number(find('ConfigMap').data.PORT));
    expect(container.startupProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    // The startup probe gives a slow boot (migrations) at least 30 s before liveness may restart it.
    expect(container.startupProbe.periodSeconds * container.startupProbe.failureThreshold).toBeGreaterThanOrEqual(30);
  });

  it('resources: requests and limits set, requests within limits', () => {
    const { requests, limits } = find('Deployment').spec.template.spec.containers[0].resources;
    const mib = (q: string) => Number(/^(\d+)Mi$/.exec(q)![1]);
    const cores = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q));
    expect(mib(requests.memory)).toBeLessThanOrEqual(mib(limits.memory));
    expect(cores(requests.cpu)).toBeLessThanOrEqual(cores(limits.cpu));
    // The fanout benchmark's goal: 1,000 sessions in ≤ 300 MB.
    expect(mib(limits.memory)).toBeGreaterThanOrEqual(300);
  });

  it('env: ConfigMap and (optional) Secret; tokens only in the Secret; the ConfigMap passes the app\'s own validation', () => {
    const deployment = find('Deployment');
    const configMap = find('ConfigMap');
    const secret = find('Secret');
    const envFrom = deployment.spec.template.spec.containers[0].envFrom;
    expect(envFrom).toEqual([{ configMapRef: { name: configMap.metadata.name } }, { secretRef: { name: secret.metadata.name, optional: true } }]);
    expect(Object.keys(secret.stringData).sort()).toEqual(['API_KEY', 'TELEGRAM_BOT_TOKEN']);
    for (const key of Object.keys(configMap.data)) expect(key).not.toMatch(/TOKEN|KEY|SECRET|PASSWORD/);
    expect(configMap.data.DB_PATH).toMatch(/^\/data\//);
    const config = parseEnv({ ...configMap.data, ...secret.stringData });
    expect(config).toMatchObject({ port: 38100, dbPath: '/data/livetrack.db', otelEndpoint: null, telegramBotToken: null, apiKey: null });
  });

  it('Service selects the pod and targets the named port', () => {
    const service = find('Service');
    const labels = find('Deployment').spec.template.metadata.labels;
    for (const [k, v] of Object.entries(service.spec.selector)) expect(labels[k]).toBe(v);
    expect(service.spec.ports).toEqual([{ name: 'http', port: 38100, targetPort: 'http', protocol: 'TCP' }]);
  });
});

describe('rendering deploy/k8s', () => {
  it('`kubectl apply -k deploy/k8s` is still the single-replica SQLite base', () => {
    expect(parse(readFileSync(join(K8S, 'kustomization.yaml'), 'utf8')).resources).toEqual(['base']);
    const objects = render(K8S);
    expect(byIdentity(objects)).toEqual(byIdentity(renderHere(DIR)));
    const deployment = objects.find((o) => o.kind === 'Deployment');
    expect(deployment.spec).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
    const claim = objects.find((o) => o.kind === 'PersistentVolumeClaim');
    expect(deployment.spec.template.spec.volumes.find((v: any) => v.persistentVolumeClaim)?.persistentVolumeClaim.claimName).toBe(claim.metadata.name);
  });

  (KUSTOMIZE ? it : it.skip)(`the spec's renderer and ${KUSTOMIZE ? KUSTOMIZE.cmd : 'kustomize (not installed)'} render the same objects`, () => {
    for (const dir of [K8S, DIR, OVERLAY]) expect(byIdentity(renderHere(dir))).toEqual(byIdentity(renderWithKustomize(dir)));
  });

  it("the spec's renderer applies strategic-merge deletes and refuses what it does not know", () => {
    const base = { spec: { volumes: [{ name: 'data', x: 1 }, { name: 'tmp' }], keep: 1, drop: 2 } };
    expect(strategicMerge(base, { spec: { volumes: [{ name: 'data', $patch: 'delete' }, { name: 'new' }], drop: null } })).toEqual({ spec: { volumes: [{ name: 'tmp' }, { name: 'new' }], keep: 1 } });
    expect(() => strategicMerge(base, { spec: { volumes: [{ name: 'nope', $patch: 'delete' }] } })).toThrow(/not there/);
    expect(() => strategicMerge(base, { spec: { $patch: 'replace' } })).toThrow(/unsupported/);
  });
});

// What the several-replicas deployment must be; each rule names what it found instead.
function replicaProblems(objects: any[]): string[] {
  const problems: string[] = [];
  const check = (ok: unknown, problem: string) => {
    if (!ok) problems.push(problem);
  };
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  check(of('PersistentVolumeClaim').length === 0, `PersistentVolumeClaim rendered: ${of('PersistentVolumeClaim').map((o) => o.metadata.name)}`);
  for (const object of objects) {
    const Model = MODELS[`${object.apiVersion}/${object.kind}`];
    if (!Model) problems.push(`unexpected kind ${object.apiVersion}/${object.kind}`);
    else {
      try {
        new Model(object).validate();
      } catch (error) {
        problems.push(`${identity(object)} invalid: ${(error as Error).message}`);
      }
    }
  }
  const [deployment] = of('Deployment');
  const [pdb] = of('PodDisruptionBudget');
  if (of('Deployment').length !== 1 || of('PodDisruptionBudget').length !== 1 || of('ConfigMap').length !== 1) {
    return [...problems, `want one Deployment, one PodDisruptionBudget, one ConfigMap; got ${objects.map(identity).join(', ')}`];
  }
  const spec = deployment.spec;
  const pod = spec.template.spec;
  const container = pod.containers[0];
  const podLabels = spec.template.metadata.labels;
  const selects = (selector: Record<string, string> | undefined) => !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => podLabels[k] === v);

  check(spec.replicas === 3, `replicas ${spec.replicas}, want 3`);
  check(spec.strategy?.type === 'RollingUpdate', `strategy ${spec.strategy?.type}, want RollingUpdate`);
  check(spec.strategy?.rollingUpdate?.maxUnavailable === 0 && spec.strategy?.rollingUpdate?.maxSurge === 1, `rollingUpdate ${JSON.stringify(spec.strategy?.rollingUpdate)}, want maxUnavailable 0, maxSurge 1`);
  check(selects(spec.selector.matchLabels), 'Deployment selector does not select its own pods');

  // No claim anywhere, no /data; every mount has its volume.
  const volumes = pod.volumes ?? [];
  check(!volumes.some((v: any) => v.persistentVolumeClaim), `volume on a PersistentVolumeClaim: ${volumes.filter((v: any) => v.persistentVolumeClaim).map((v: any) => v.name)}`);
  for (const mount of container.volumeMounts ?? []) check(volumes.some((v: any) => v.name === mount.name), `mount ${mount.mountPath} has no volume ${mount.name}`);
  check(!(container.volumeMounts ?? []).some((m: any) => m.mountPath === '/data'), '/data still mounted');
  check(container.securityContext?.readOnlyRootFilesystem === true, 'root filesystem not read-only');

  const env = Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e]));
  const ref = env.DATABASE_URL?.valueFrom?.secretKeyRef;
  check(ref && env.DATABASE_URL.value === undefined && ref.optional !== true, `DATABASE_URL not from a required secretKeyRef: ${JSON.stringify(env.DATABASE_URL)}`);
  const dbSecret = of('Secret').find((s) => s.metadata.name === ref?.name);
  check(dbSecret && typeof dbSecret.stringData?.[ref.key] === 'string', `secretKeyRef ${JSON.stringify(ref)} names no rendered Secret key`);
  check(env.REPLICA_ID?.valueFrom?.fieldRef?.fieldPath === 'metadata.name', `REPLICA_ID not from the pod name: ${JSON.stringify(env.REPLICA_ID)}`);

  const [configMap] = of('ConfigMap');
  check(configMap.data.LEASE_TTL_S === '30', `ConfigMap LEASE_TTL_S ${configMap.data.LEASE_TTL_S}, want "30"`);
  check(configMap.data.DB_PATH === undefined, 'ConfigMap still sets DB_PATH');
  check(configMap.data.DATABASE_URL === undefined, 'DATABASE_URL in the ConfigMap');
  check(
    (container.envFrom ?? []).some((e: any) => e.configMapRef?.name === configMap.metadata.name),
    'the container does not read the ConfigMap',
  );
  if (dbSecret && ref) {
    const secrets = Object.assign({}, ...of('Secret').filter((s) => s !== dbSecret).map((s) => s.stringData));
    try {
      const config = parseEnv({ ...configMap.data, ...secrets, DATABASE_URL: dbSecret.stringData[ref.key], REPLICA_ID: 'livetrack-mcp-7c9d5b8f4-x2k7q' });
      check(config.databaseUrl === dbSecret.stringData[ref.key] && config.replicaId === 'livetrack-mcp-7c9d5b8f4-x2k7q', 'the app does not take DATABASE_URL / REPLICA_ID');
    } catch (error) {
      problems.push(`the app rejects the rendered environment: ${(error as Error).message}`);
    }
  }

  check(container.readinessProbe?.httpGet?.path === '/health/ready', `readiness on ${container.readinessProbe?.httpGet?.path}, want /health/ready`);
  check(container.livenessProbe?.httpGet?.path === '/health/live', `liveness on ${container.livenessProbe?.httpGet?.path}, want /health/live`);
  check(container.startupProbe?.httpGet?.path === '/health/live', `startup on ${container.startupProbe?.httpGet?.path}, want /health/live`);

  // preStop pause + the process's own 10 s bounded shutdown (which hands the leases back), with room.
  const preStop = container.lifecycle?.preStop?.exec?.command;
  const pause = preStop?.[0] === 'sleep' ? Number(preStop[1]) : 0;
  check(pod.terminationGracePeriodSeconds >= pause + 10 + 5, `terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} < preStop ${pause} s + 10 s shutdown + 5 s`);

  const anti = pod.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  check(anti.some((t: any) => t.podAffinityTerm.topologyKey === 'kubernetes.io/hostname' && selects(t.podAffinityTerm.labelSelector?.matchLabels)), 'no preferred anti-affinity across nodes for these pods');

  check(selects(pdb.spec.selector?.matchLabels) && JSON.stringify(pdb.spec.selector.matchLabels) === JSON.stringify(spec.selector.matchLabels), `PodDisruptionBudget selector ${JSON.stringify(pdb.spec.selector)} is not the Deployment's`);
  const allowedDown = pdb.spec.maxUnavailable ?? spec.replicas - pdb.spec.minAvailable;
  check(allowedDown === 1, `PodDisruptionBudget lets ${allowedDown} of ${spec.replicas} go at once, want 1`);

  for (const service of of('Service')) check(selects(service.spec.selector), `Service ${service.metadata.name} does not select the pods`);
  return problems;
}

describe('deploy/k8s/replicas overlay (several replicas, PostgreSQL)', () => {
  const objects = render(OVERLAY);
  const clone = () => JSON.parse(JSON.stringify(objects));
  const deploymentOf = (list: any[]) => list.find((o) => o.kind === 'Deployment');

  it('renders to valid objects: 3 replicas, RollingUpdate, PDB, DATABASE_URL from a Secret, REPLICA_ID from the pod name, no claim', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      ['ConfigMap/livetrack-mcp-config', 'Deployment/livetrack-mcp', 'PodDisruptionBudget/livetrack-mcp', 'Secret/livetrack-db', 'Secret/livetrack-mcp-secrets', 'Service/livetrack-mcp'].sort(),
    );
    expect(replicaProblems(objects)).toEqual([]);
  });

  it('keeps everything else of the base Deployment (security, resources, ports, probes timing)', () => {
    const base = renderHere(DIR).find((o) => o.kind === 'Deployment');
    const overlay = deploymentOf(objects);
    const [b] = base.spec.template.spec.containers;
    const [o] = overlay.spec.template.spec.containers;
    for (const key of ['image', 'ports', 'envFrom', 'securityContext', 'resources', 'startupProbe', 'livenessProbe', 'readinessProbe']) expect(o[key]).toEqual(b[key]);
    expect(overlay.spec.template.spec.securityContext).toEqual(base.spec.template.spec.securityContext);
    expect(overlay.spec.template.spec.volumes).toEqual(base.spec.template.spec.volumes.filter((v: any) => !v.persistentVolumeClaim));
  });

  it('every file in the overlay is used by its kustomization', () => {
    const kustomization = parse(readFileSync(join(OVERLAY, 'kustomization.yaml'), 'utf8'));
    const used = [...kustomization.resources, ...kustomization.patches.map((p: any) => p.path).filter(Boolean)];
    const files = readdirSync(OVERLAY).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect(files.sort()).toEqual(used.filter((u: string) => !u.startsWith('..')).sort());
  });

  // The rules above catch a wrong overlay (so "no problems" means something).
  it.each<[string, (list: any[]) => void, RegExp]>([
    ['one replica', (l) => (deploymentOf(l).spec.replicas = 1), /replicas 1/],
    ['Recreate', (l) => (deploymentOf(l).spec.strategy = { type: 'Recreate' }), /strategy Recreate/],
    ['the claim kept', (l) => l.push(renderHere(DIR).find((o) => o.kind === 'PersistentVolumeClaim')), /PersistentVolumeClaim rendered/],
    ['a volume on a claim', (l) => deploymentOf(l).spec.template.spec.volumes.push({ name: 'data', persistentVolumeClaim: { claimName: 'x' } }), /volume on a PersistentVolumeClaim/],
    ['a mount without a volume', (l) => deploymentOf(l).spec.template.spec.containers[0].volumeMounts.push({ name: 'data', mountPath: '/data' }), /mount \/data has no volume/],
    ['DATABASE_URL as a literal', (l) => (deploymentOf(l).spec.template.spec.containers[0].env[0] = { name: 'DATABASE_URL', value: 'postgres://u:p@h/d' }), /DATABASE_URL not from/],
    ['DATABASE_URL from a missing key', (l) => (deploymentOf(l).spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.key = 'url'), /names no rendered Secret key/],
    ['a placeholder the app rejects', (l) => (l.find((o) => o.metadata.name === 'livetrack-db').stringData['database-url'] = 'mysql://u:p@h/d'), /rejects the rendered environment.*DATABASE_URL/],
    ['REPLICA_ID missing', (l) => deploymentOf(l).spec.template.spec.containers[0].env.splice(1, 1), /REPLICA_ID not from the pod name/],
    ['readiness on /health/live', (l) => (deploymentOf(l).spec.template.spec.containers[0].readinessProbe.httpGet.path = '/health/live'), /readiness on \/health\/live/],
    ['a short grace period', (l) => (deploymentOf(l).spec.template.spec.terminationGracePeriodSeconds = 10), /terminationGracePeriodSeconds 10/],
    ['a PDB selecting other pods', (l) => (l.find((o) => o.kind === 'PodDisruptionBudget').spec.selector.matchLabels['app.kubernetes.io/component'] = 'worker'), /PodDisruptionBudget selector/],
    ['a PDB allowing two down', (l) => (l.find((o) => o.kind === 'PodDisruptionBudget').spec.maxUnavailable = 2), /lets 2 of 3/],
    ['no anti-affinity', (l) => delete deploymentOf(l).spec.template.spec.affinity, /anti-affinity/],
    ['LEASE_TTL_S missing', (l) => delete l.find((o) => o.kind === 'ConfigMap').data.LEASE_TTL_S, /LEASE_TTL_S undefined/],
    ['a schema error', (l) => (deploymentOf(l).spec.replicas = 'three'), /invalid/],
  ])('rejects %s', (_name, mutate, problem) => {
    const list = clone();
    mutate(list);
    expect(replicaProblems(list).join('\n')).toMatch(problem);
  });
});

describe('Dockerfile and docker-compose.yml', () => {
  const root = join(__dirname, '..');
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  // Instructions only (comments and continuation lines folded away).
  const instructions = dockerfile
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages = instructions.reduce<string[][]>((acc, line) => (line.startsWith('FROM ') ? [...acc, [line]] : (acc[acc.length - 1].push(line), acc)), []);

  it('Dockerfile: multi-stage; runtime installs production dependencies only, runs as node, has a health check', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const runtime = stages[stages.length - 1];
    expect(runtime.some((l) => /^RUN npm ci .*--omit=dev/.test(l))).toBe(true);
    expect(runtime.some((l) => /apt-get install/.test(l))).toBe(false);
    expect(runtime.some((l) => /COPY --from=build .*better_sqlite3\.node/.test(l))).toBe(true);
    const user = runtime.filter((l) => l.startsWith('USER '));
    expect(user.at(-1)).toBe('USER node');
    // USER comes after every RUN that needs root, and before CMD.
    expect(runtime.indexOf(user.at(-1)!)).toBeGreaterThan(runtime.map((l) => l.startsWith('RUN ')).lastIndexOf(true));
    expect(runtime.find((l) => l.startsWith('HEALTHCHECK'))).toMatch(/\/health\/live/);
    expect(runtime.find((l) => l.startsWith('CMD'))).toBe('CMD ["node", "dist/main.js"]');
    expect(runtime.find((l) => l.startsWith('ENV'))).toMatch(/DB_PATH=\/data\//);
  });

  it('docker-compose.yml: the service read-only with /data on a volume, runner and collector behind profiles', () => {
    const compose = parseAllDocuments(readFileSync(join(root, 'docker-compose.yml'), 'utf8'))[0].toJS();
    const app = compose.services['livetrack-mcp'];
    expect(app).toMatchObject({ read_only: true, tmpfs: ['/tmp'], volumes: ['livetrack-data:/data'] });
    expect(app.environment.DB_PATH).toBe('/data/livetrack.db');
    expect(app.environment.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('${OTEL_EXPORTER_OTLP_ENDPOINT:-}');
    expect(app.profiles).toBeUndefined();
    expect(compose.services['claude-runner'].profiles).toEqual(['runner']);
    expect(compose.services['otel-collector'].profiles).toEqual(['otel']);
    const collectorConfig = parseAllDocuments(readFileSync(join(root, 'deploy', 'otel-collector.yaml'), 'utf8'))[0].toJS();
    expect(collectorConfig.receivers.otlp.protocols.http.endpoint).toBe('0.0.0.0:4318');
    expect(Object.keys(collectorConfig.service.pipelines).sort()).toEqual(['metrics', 'traces']);
  });

  it('docker-compose.yml: profile "postgres" = PostgreSQL with a health check + the tracker replicas on DATABASE_URL, waiting for it', () => {
    const compose = parseAllDocuments(readFileSync(join(root, 'docker-compose.yml'), 'utf8'))[0].toJS();
    // Compose interpolation with nothing set in the environment: ${VAR:-default} → default.
    const interpolate = (v: unknown) => (typeof v === 'string' ? v.replace(/\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g, (_m, _name, fallback) => fallback ?? '') : v);
    const envOf = (service: any) => Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(v)])) as Record<string, string>;

    const db = compose.services.postgres;
    expect(db.profiles).toEqual(['postgres']);
    expect(db.image).toMatch(/^postgres:1[6-9](\.\d+)*-alpine$/);
    const dbEnv = envOf(db);
    expect(dbEnv.POSTGRES_PASSWORD).toBeTruthy();
    const [volume, mountPath] = db.volumes[0].split(':');
    expect(mountPath).toBe('/var/lib/postgresql/data');
    expect(Object.keys(compose.volumes)).toContain(volume);
    const probe = [].concat(db.healthcheck.test).join(' ');
    expect(probe).toMatch(/pg_isready/);
    expect(probe).toContain(`-U ${dbEnv.POSTGRES_USER}`);
    expect(probe).toContain(`-d ${dbEnv.POSTGRES_DB}`);

    const trackers = Object.entries<any>(compose.services).filter(([, s]) => s.environment?.DATABASE_URL !== undefined);
    expect(trackers.length).toBeGreaterThanOrEqual(1);
    const mainEnv = envOf(compose.services['livetrack-mcp']);
    let replicas = 0;
    for (const [name, tracker] of trackers) {
      expect({ name, profiles: tracker.profiles }).toEqual({ name, profiles: ['postgres'] });
      expect(tracker.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
      const env = envOf(tracker);
      const url = new URL(env.DATABASE_URL);
      expect([url.hostname, url.port, url.username, url.password, url.pathname]).toEqual(['postgres', '5432', dbEnv.POSTGRES_USER, dbEnv.POSTGRES_PASSWORD, `/${dbEnv.POSTGRES_DB}`]);
      // The password follows POSTGRES_PASSWORD, not a copy of its default.
      expect(tracker.environment.DATABASE_URL).toContain(db.environment.POSTGRES_PASSWORD);
      expect(parseEnv(env)).toMatchObject({ databaseUrl: env.DATABASE_URL, port: 38100 });
      expect(env.LEASE_TTL_S).toBe('30');
      // The same settings as the SQLite service, minus its database file and volume.
      expect(env.DB_PATH).toBeUndefined();
      const { DB_PATH, ...shared } = mainEnv;
      expect(env).toMatchObject(shared);
      expect(tracker.volumes).toBeUndefined();
      expect(tracker).toMatchObject({ read_only: true, tmpfs: ['/tmp'], cap_drop: ['ALL'] });
      expect(parseInt(tracker.stop_grace_period, 10)).toBeGreaterThan(10);
      const count = tracker.deploy?.replicas ?? 1;
      replicas += count;
      // One host port per replica, none of them the SQLite service's.
      const hostPorts = (tracker.ports ?? []).map((p: string) => p.split(':')[0]);
      const width = hostPorts.map((p: string) => (p.includes('-') ? Number(p.split('-')[1]) - Number(p.split('-')[0]) + 1 : 1)).reduce((a: number, b: number) => a + b, 0);
      expect(width).toBe(count);
      expect(hostPorts.some((p: string) => Number(p.split('-')[0]) <= 38100 && 38100 <= Number(p.split('-').at(-1)))).toBe(false);
    }
    expect(replicas).toBeGreaterThanOrEqual(2);
  });
});
