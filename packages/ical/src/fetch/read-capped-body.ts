/**
 * A response body as UTF-8 text (RFC 5545's charset), read only up to a cap: a feed URL is
 * someone else's server, and an endless or enormous body must not fill our memory.
 */
export async function readCappedBody(response: Response, maxBytes: number): Promise<string | 'too_large'> {
  // Content-Length counts the bytes on the wire; a compressed body only grows when decoded, so
  // a declared length over the cap is already too much and nothing needs to be read.
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await discard(response);
    return 'too_large';
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return 'too_large';
    }
    chunks.push(value);
  }
  // TextDecoder drops a leading byte-order mark and replaces invalid bytes rather than failing.
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks));
}

/** Releases a body we will not read, so the connection can be reused or closed. */
export async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}
