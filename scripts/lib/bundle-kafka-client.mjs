#!/usr/bin/env node
// Bundles @platformatic/kafka into one CommonJS file beside the runtime's Kafka client
// (packages/service-runtime/dist/kafka/platformatic-kafka.bundle.js), which the client requires
// when it is there. Node resolves and links the package's 329 ES module files one by one: 0.35 s
// of every service's start, so of every restarted instance's failover; one file loads in about
// 0.15 s (issue 22). Run by `pnpm run build`, after tsc.
//
// Left outside the bundle, and required from the package's own folder as it would require them:
// the WebAssembly helpers (they read their .wasm beside their own file), the buffer type they
// share with the package (told apart by a per-module symbol, so there must be one copy), and the
// optional native CRC and protobuf parser.
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const runtime = join(root, 'packages', 'service-runtime');
const entry = createRequire(join(runtime, 'package.json')).resolve('@platformatic/kafka');
const fromPackage = createRequire(entry);
const outside = ['@platformatic/wasm-utils', '@platformatic/dynamic-buffer', '@node-rs/crc32', 'protobufjs'];

/** Where the package itself would find a module; an optional one that is not installed stays a bare name (it fails as it would). */
function resolvedFromPackage(name) {
  try {
    return fromPackage.resolve(name);
  } catch {
    return name;
  }
}

await build({
  entryPoints: [entry],
  outfile: join(runtime, 'dist', 'kafka', 'platformatic-kafka.bundle.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node24',
  // The package finds its optional modules with createRequire(import.meta.url): from its own folder, as unbundled.
  define: { 'import.meta.url': JSON.stringify(pathToFileURL(entry).href) },
  plugins: [
    {
      name: 'required-from-the-package',
      setup(b) {
        const names = new RegExp(`^(${outside.map((n) => n.replace(/[/.]/g, '\\$&')).join('|')})$`);
        b.onResolve({ filter: names }, (args) => ({ path: resolvedFromPackage(args.path), external: true }));
      },
    },
  ],
  legalComments: 'none',
  logLevel: 'warning',
});
