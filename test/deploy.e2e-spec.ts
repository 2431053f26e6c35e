// The Kubernetes manifests in deploy/k8s, checked offline: every object against the Kubernetes
// OpenAPI JSON schemas (kubernetes-models' precompiled validators, no network), then the
// operational rules this service depends on.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { parseEnv } from '../src/config/app-config';

const DIR = join(__dirname, '..', 'deploy', 'k8s');

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Service': Service,
};

interface Manifest {
  file: string;
  object: any;
}

function load(): Manifest[] {
  const out: Manifest[] = [];
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(DIR, file), 'utf8'))) {
      if (doc.errors.length) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
      const object = doc.toJS();
      if (object) out.push({ file, object });
    }
  }
  return out;
}

describe('deploy/k8s manifests', () => {
  const manifests = load();
  const objects = manifests.filter((m) => m.object.kind !== 'Kustomization');
  const find = (kind: string) => {
    const found = objects.filter((m) => m.object.kind === kind);
    expect(found).toHaveLength(1);
    return found[0].object;
  };

  it('every object is a known kind and valid against the Kubernetes schema', () => {
    expect(objects.map((m) => `${m.object.apiVersion}/${m.object.kind}`).sort()).toEqual(Object.keys(MODELS).sort());
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
});
