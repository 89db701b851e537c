import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One POST the receiver got: its raw bytes (what the signature covers) and headers. */
export interface ReceivedWebhook {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: Buffer;
  readonly json: Record<string, unknown>;
}

export interface ScriptedAnswer {
  readonly status: number;
  readonly body?: unknown;
}

/**
 * A stand-in for ingest's webhook endpoint on 127.0.0.1 and a free port: records every delivery
 * and answers from a script (the answer for the nth delivery; the last one repeats).
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private script: readonly ScriptedAnswer[] = [{ status: 202, body: { accepted: true } }];
  private server: Server | undefined;

  answerWith(...answers: ScriptedAnswer[]): void {
    this.script = answers;
  }

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const rawBody = Buffer.concat(chunks);
        this.received.push({ path: request.url ?? '', headers: request.headers, rawBody, json: JSON.parse(rawBody.toString('utf8')) as Record<string, unknown> });
        const answer = this.script[Math.min(this.received.length - 1, this.script.length - 1)]!;
        response.writeHead(answer.status, { 'content-type': 'application/json' });
        response.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A port nothing listens on (taken from the OS, then released): connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
