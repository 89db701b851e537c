import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs hostZoneScenario in a child node whose TZ is `hostZone`. A child is needed: jest gives
 * each test a copy of process.env, so setting TZ inside a test does not reach the clock.
 * The child compiles the TypeScript sources with the workspace's typescript as it requires them.
 */
export function runScenarioInHostZone(hostZone: string): unknown {
  const scenario = join(__dirname, 'host-zone-scenario.ts');
  const child = spawnSync(process.execPath, ['-e', CHILD_SCRIPT, scenario], {
    env: { ...process.env, TZ: hostZone },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (child.status !== 0) throw new Error(`scenario in TZ=${hostZone} failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as unknown;
}

const CHILD_SCRIPT = `
const fs = require('node:fs');
const ts = require(require.resolve('typescript', { paths: [process.argv[1]] }));
require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(outputText, filename);
};
const { hostZoneScenario } = require(process.argv[1]);
process.stdout.write(JSON.stringify(hostZoneScenario()));
`;
