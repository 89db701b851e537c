#!/usr/bin/env node
// Bundles @platformatic/kafka into one CommonJS file beside the runtime's Kafka client
// (packages/service-runtime/dist/kafka/platformatic-kafka.bundle.js), which the client requires
// when it was built from the package installed now. Node resolves and links the package's 329 ES
// module files one by one: 0.35 s of every service's start, so of every restarted instance's
// failover; one file loads in about 0.15 s (issue 22). Run by `pnpm run build`, after tsc.
//
// Nothing in it names a folder of this machine: the package is found when the bundle loads, as the
// client would find it, so a built tree can move (a Docker stage, a moved checkout). Left outside
// the bundle, and required from the package's own folder as the package would require them: the
// WebAssembly helpers (they read their .wasm beside their own file) and the buffer type they share
// with the package (told apart by a per-module symbol, so there must be one copy). The optional
// native CRC and protobuf parser are not imported: the package requires them through
// createRequire(import.meta.url), which the bundle points at the package's folder.
import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outDir = join(root, 'packages', 'service-runtime', 'dist', 'kafka');
const entry = createRequire(join(outDir, 'index.js')).resolve('@platformatic/kafka');
const outside = ['@platformatic/wasm-utils', '@platformatic/dynamic-buffer'];

await build({
  entryPoints: [entry],
  outfile: join(outDir, 'platformatic-kafka.bundle.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node24',
  // Classes keep their names where the bundle would rename them (UserError, not _UserError): the
  // logs' error types stay those of the package.
  keepNames: true,
  banner: {
    js: [
      "const __kafkaPackageEntry = require.resolve('@platformatic/kafka');",
      "const __kafkaPackageRequire = require('node:module').createRequire(__kafkaPackageEntry);",
      // The package finds its optional modules with createRequire(import.meta.url): from its own folder, as unbundled.
      "const __kafkaPackageUrl = require('node:url').pathToFileURL(__kafkaPackageEntry).href;",
    ].join('\n'),
  },
  define: { 'import.meta.url': '__kafkaPackageUrl' },
  plugins: [
    {
      name: 'required-from-the-package',
      setup(b) {
        const names = new RegExp(`^(${outside.map((n) => n.replace(/[/.]/g, '\\$&')).join('|')})$`);
        b.onResolve({ filter: names }, (args) => ({ path: args.path, namespace: 'from-the-package' }));
        b.onLoad({ filter: /.*/, namespace: 'from-the-package' }, (args) => ({
          contents: `module.exports = __kafkaPackageRequire(${JSON.stringify(args.path)});`,
          loader: 'js',
        }));
      },
    },
  ],
  legalComments: 'none',
  logLevel: 'warning',
});

// Which installed package it was built from, as the client finds it from beside the bundle: the
// client uses the bundle only while the same one is installed (pnpm's folder name holds the
// version and the patch's hash), and the package itself otherwise.
writeFileSync(join(outDir, 'platformatic-kafka.bundle.json'), `${JSON.stringify({ entry: relative(outDir, entry) }, null, 2)}\n`);
