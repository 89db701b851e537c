// Checks Kubernetes manifests (a YAML stream on stdin) against the API's schemas, as kubeconform
// would: kubernetes-models compiles the Kubernetes OpenAPI definitions (and the Prometheus
// Operator's CRDs) into validators. An ES module run as a child of tests/deploy.test.ts, since
// those packages are ES modules only. Prints one JSON line: every manifest with its problems.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

/** The package holding the models of an API group. */
function modelPackage(apiVersion) {
  if (apiVersion.startsWith('monitoring.coreos.com/')) return `@kubernetes-models/prometheus-operator/${apiVersion}`;
  return `kubernetes-models/${apiVersion}`;
}

async function check(manifest) {
  const where = `${manifest.kind} ${manifest.metadata?.name}`;
  let Model;
  try {
    Model = (await import(`${modelPackage(manifest.apiVersion)}/${manifest.kind}`))[manifest.kind];
  } catch {
    return { manifest: where, problems: [`no schema for ${manifest.apiVersion} ${manifest.kind}`] };
  }
  try {
    new Model(manifest).validate();
    return { manifest: where, problems: [] };
  } catch (error) {
    const problems = (error.errors ?? [{ instancePath: '', message: error.message }]).map((e) => `${e.instancePath || '/'} ${e.message}`);
    return { manifest: where, problems };
  }
}

const manifests = parseAllDocuments(readFileSync(0, 'utf8'))
  .map((document) => document.toJS())
  .filter(Boolean);
process.stdout.write(`${JSON.stringify(await Promise.all(manifests.map(check)))}\n`);
