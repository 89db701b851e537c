import { open } from 'node:fs/promises';
import { RatesRefusedError } from './errors';

/** The ECB's history file is about 7 MiB as XML; anything past this is not a reference-rate file. */
export const DEFAULT_MAX_FILE_BYTES = 32 * 1024 * 1024;

/** Bytes as UTF-8 text (the ECB's files are), refusing bytes that are not: a wrong encoding would misread every name. */
export function utf8Text(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new RatesRefusedError('not_xml', `${what} is not UTF-8 text`, null, { cause: error });
  }
}

/** A local file's text, refused past `maxBytes`. */
export async function readRatesFile(path: string, maxBytes = DEFAULT_MAX_FILE_BYTES): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new RatesRefusedError('unreadable', `cannot open ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, null, { cause: error });
  }
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw new RatesRefusedError('unreadable', `${path} is ${size} bytes, more than the ${maxBytes} a reference-rate file can be`);
    return utf8Text(await handle.readFile(), path);
  } finally {
    await handle.close();
  }
}

/** A URL's body (HTTP 200 only), read up to `maxBytes` within `timeoutMs`. Network failures may pass: retriable. */
export async function fetchRatesUrl(url: string, options: { maxBytes?: number; timeoutMs?: number; fetch?: typeof fetch } = {}): Promise<string> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  const parsed = URL.canParse(url) ? new URL(url) : null;
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) throw new RatesRefusedError('unreadable', `'${url.slice(0, 200)}' is not an http(s) URL`);
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(parsed, { signal: AbortSignal.timeout(options.timeoutMs ?? 60_000), redirect: 'follow' });
  } catch (error) {
    throw new RatesRefusedError('unreadable', `fetching ${parsed.href} failed: ${(error as Error).message}`, null, { retriable: true, cause: error });
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new RatesRefusedError('unreadable', `fetching ${parsed.href} answered HTTP ${response.status}`, null, { retriable: response.status >= 500 || response.status === 429 });
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  try {
    for (;;) {
      const { done, value } = reader ? await reader.read() : { done: true, value: undefined };
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader!.cancel();
        throw new RatesRefusedError('unreadable', `${parsed.href} is larger than the ${maxBytes} bytes a reference-rate file can be`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof RatesRefusedError) throw error;
    throw new RatesRefusedError('unreadable', `reading ${parsed.href} failed: ${(error as Error).message}`, null, { retriable: true, cause: error });
  }
  return utf8Text(Buffer.concat(chunks), parsed.href);
}
