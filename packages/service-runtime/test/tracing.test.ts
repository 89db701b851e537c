import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { spawnNode, createTopic, deleteTopics, freePort, testKafka, uniqueName } from '@cm/test-harness';

describe('tracing', () => {
  const kafka = testKafka();
  const topic = uniqueName('test.tracing');
  const received: { path: string; body: string }[] = [];
  let collector: Server;
  let collectorPort: number;

  beforeAll(async () => {
    await createTopic(kafka, topic, 1);
    // Stands in for an OpenTelemetry collector: records what the OTLP/HTTP exporter posts.
    collector = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('latin1')));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    collectorPort = (collector.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => collector.close(resolve));
    await deleteTopics(kafka, [topic]);
  });

  it('with an OTLP endpoint, a Kafka send is exported as a span of the service', async () => {
    const producer = spawnNode(join(__dirname, 'fixtures', 'traced-producer.js'), {
      TEST_TOPIC: topic,
      OPS_PORT: String(await freePort()),
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}`,
      LOG_LEVEL: 'warn',
    });
    expect({ exit: await producer.exited(), output: producer.output() }).toMatchObject({ exit: 0 });
    const traces = received.filter((r) => r.path === '/v1/traces');
    expect(traces.length).toBeGreaterThan(0);
    const body = traces.map((t) => t.body).join('\n');
    expect(body).toContain('traced-producer'); // service.name resource
    expect(body).toContain(topic); // the span of the send names its topic
  });

  it('without an endpoint, nothing is exported', async () => {
    const before = received.length;
    const producer = spawnNode(join(__dirname, 'fixtures', 'traced-producer.js'), {
      TEST_TOPIC: topic,
      OPS_PORT: String(await freePort()),
      LOG_LEVEL: 'warn',
    });
    expect(await producer.exited()).toBe(0);
    expect(received.length).toBe(before);
  });
});
