import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * What an OpenAPI test compares: the routes a fastify app registered and the operations a
 * document lists, each as `METHOD /path/{param}`, and the statuses the document gives a route.
 */

/** The routes of a ready fastify app, read from its route tree (HEAD, which fastify adds to every GET, left out). */
export function registeredRoutes(app: { printRoutes(options: { commonPrefix: false }): string }): string[] {
  const routes: string[] = [];
  const prefixes: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    // Each level of the tree is four characters of drawing ("│   ", "├── ", "└── ", "    ").
    const match = /^((?:[│ ] {3})*)[├└]── (\S*)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    prefixes.length = depth;
    const path = `${prefixes.join('')}${match[2]}`;
    prefixes.push(match[2]!);
    for (const method of match[3]?.split(', ') ?? []) {
      if (method !== 'HEAD') routes.push(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return routes.sort();
}

/** An OpenAPI document, as far as these helpers read it (a path item also holds parameters, summary...). */
type Document = { paths: Record<string, Record<string, unknown>> };
type Operation = { responses?: Record<string, unknown> } | undefined;
type ResponseObject = { description?: string; headers?: Record<string, unknown>; content?: Record<string, unknown> };

const operationOf = (document: Document, route: string): Operation => {
  const [method, path] = route.split(' ') as [string, string];
  return document.paths[path]?.[method.toLowerCase()] as Operation;
};
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

/** The operations a document lists, as `METHOD /path`. */
export function documentedRoutes(document: Document): string[] {
  return Object.entries(document.paths)
    .flatMap(([path, item]) => Object.keys(item).filter((key) => METHODS.includes(key)).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

/** The statuses a document gives an operation (`METHOD /path`). */
export function documentedStatuses(document: Document, route: string): number[] {
  return Object.keys(operationOf(document, route)?.responses ?? {}).map(Number).sort((a, b) => a - b);
}

/** The response object a document gives an operation's status, its `$ref` followed. */
export function documentedResponse(document: Document & { components?: { responses?: Record<string, unknown> } }, route: string, status: number): ResponseObject | undefined {
  const response = operationOf(document, route)?.responses?.[String(status)] as (ResponseObject & { $ref?: string }) | undefined;
  if (response?.$ref) return document.components?.responses?.[response.$ref.split('/').pop()!] as ResponseObject | undefined;
  return response;
}

/**
 * A document checked against the OpenAPI 3.1 schema by @seriousme/openapi-schema-validator (its
 * command, in a child process: the package is ES modules only, which jest's CommonJS runtime
 * cannot load).
 */
export function openApiValidation(file: string): { valid: boolean; errors?: unknown[] } {
  const cli = join(__dirname, '..', '..', '..', 'node_modules', '@seriousme', 'openapi-schema-validator', 'bin', 'validate-api-cli.js');
  const run = spawnSync(process.execPath, [cli, file], { encoding: 'utf8', timeout: 60_000 });
  if (run.error || !run.stdout) throw new Error(`the OpenAPI validator did not run: ${run.error?.message ?? run.stderr}`);
  return JSON.parse(run.stdout) as { valid: boolean; errors?: unknown[] };
}
