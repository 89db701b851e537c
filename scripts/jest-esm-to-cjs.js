/**
 * Jest transform for ES-module-only packages (@platformatic/kafka): jest's module runtime cannot
 * require an ES module unless node runs with --experimental-vm-modules, while Node 24 itself
 * (services, compiled) requires it fine. TypeScript rewrites the module syntax to CommonJS;
 * import.meta.url, which CommonJS lacks, becomes the file's URL.
 */
const ts = require('typescript');
const { createHash } = require('node:crypto');

module.exports = {
  process(source, filename) {
    const withUrl = source
      // CommonJS has its own require: a module's `const require = createRequire(import.meta.url)` would clash with it.
      .replace(/\bconst require = createRequire\(import\.meta\.url\);/g, '')
      .replace(/\bimport\.meta\.url\b/g, 'require("node:url").pathToFileURL(__filename).href');
    const { outputText } = ts.transpileModule(withUrl, {
      fileName: filename,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, sourceMap: false },
    });
    return { code: outputText };
  },
  getCacheKey(source, filename) {
    return createHash('sha1').update('esm-to-cjs-2').update(filename).update(source).digest('hex');
  },
};
