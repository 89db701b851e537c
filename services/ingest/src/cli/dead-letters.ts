#!/usr/bin/env node
import { Option } from 'commander';
import { DeadLetterReasonSymbols, type DeadLetterReason } from '@cm/schemas';
import {
  AvroSerde,
  baseConfig,
  CommanderError,
  commandLine,
  ConfigError,
  configHelp,
  createKafkaClient,
  createLogger,
  describe,
  EXIT_USAGE,
  isHelpRequest,
  parseConfig,
  topicNames,
  type Env,
} from '@cm/service-runtime';
import { heldEvent, readDeadLetters, replayProblem, replayRecord, type StoredDeadLetter } from '../dead-letters/dead-letter-log';

/**
 * Lists, shows and replays the dead letters of channel.dlq (dead-letter-log.ts says why a replay
 * cannot make a command twice). Exit codes: 0 done, 64 bad arguments, 65 a letter named is not
 * there or cannot be replayed (nothing was replayed), 78 configuration, 1 other.
 */
export const EXIT_NOT_FOUND = 65;

const configSchema = baseConfig.omit({ OPS_PORT: true });

type Request =
  | { kind: 'list'; reason?: DeadLetterReason }
  | { kind: 'show'; eventId: string }
  | { kind: 'replay'; eventIds: readonly string[]; all: boolean; reason?: DeadLetterReason };

interface ReadOptions {
  readonly timeoutSeconds: number;
}

export interface DeadLetterIo {
  out(line: string): void;
  err(line: string): void;
}

function program(found: (request: Request, read: ReadOptions) => void, writeOut: (text: string) => void) {
  const reasonOption = () => new Option('--reason <reason>', 'only the letters of this reason').choices(DeadLetterReasonSymbols);
  const root = commandLine('dead-letters', 'Lists, shows and replays the dead letters of channel.dlq: channel events ingest could not make a command of, kept whole with the reason.')
    .configureOutput({ writeOut, writeErr: () => undefined, outputError: () => undefined })
    .option('--timeout-seconds <n>', 'how long reading the topic to its end may take', (text) => {
      if (!/^[1-9][0-9]{0,3}$/.test(text)) throw new CommanderError(EXIT_USAGE, 'commander.invalidArgument', `--timeout-seconds must be a whole number of seconds, not '${text}'`);
      return Number(text);
    }, 60)
    .addHelpText('after', `${configHelp(configSchema)}\nExit codes: 0 done, 64 bad arguments, 65 a letter named is not there or cannot be replayed, 78 configuration, 1 other.`);
  const read = (): ReadOptions => ({ timeoutSeconds: root.opts<{ timeoutSeconds: number }>().timeoutSeconds });
  root
    .command('list')
    .description('one line per dead letter: event id, when, reason, where it was read, why')
    .addOption(reasonOption())
    .action((o: { reason?: DeadLetterReason }) => found({ kind: 'list', ...(o.reason ? { reason: o.reason } : {}) }, read()));
  root
    .command('show <event-id>')
    .description('one dead letter whole: its record decoded when it still decodes, its key and headers')
    .action((eventId: string) => found({ kind: 'show', eventId }, read()));
  root
    .command('replay [event-ids...]')
    .description("send each letter's record back to channel.inbound, through ingest again (an event already taken is dropped as a duplicate)")
    .option('--all', 'every replayable letter (with --reason: of that reason)')
    .addOption(reasonOption())
    .action((eventIds: string[], o: { all?: boolean; reason?: DeadLetterReason }) => {
      if ((o.all === true) === (eventIds.length > 0)) throw new CommanderError(EXIT_USAGE, 'commander.usage', 'replay takes event ids or --all, one of them');
      if (o.reason && !o.all) throw new CommanderError(EXIT_USAGE, 'commander.usage', '--reason goes with --all');
      found({ kind: 'replay', eventIds, all: o.all === true, ...(o.reason ? { reason: o.reason } : {}) }, read());
    });
  return root;
}

/** The tool as a function: parses first (help and usage errors touch nothing), then reads the topic. */
export async function runDeadLetters(args: readonly string[], io: DeadLetterIo, env: Env = process.env): Promise<number> {
  let parsed: { request: Request; read: ReadOptions } | undefined;
  const parser = program((request, read) => {
    parsed = { request, read };
  }, (text) => text.replace(/\n$/, '').split('\n').forEach((line) => io.out(line)));
  try {
    parser.parse([...args], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (isHelpRequest(error)) return 0;
    io.err(`dead-letters: ${error.code === 'commander.help' ? 'no command' : error.message.replace(/^error: /, '')}`);
    io.err(parser.helpInformation().trimEnd());
    return EXIT_USAGE;
  }
  if (!parsed) return EXIT_USAGE;
  const { request, read } = parsed;

  const config = parseConfig('dead-letters', configSchema, env);
  const names = topicNames(config.TOPIC_NAMESPACE);
  const kafka = createKafkaClient({ clientId: 'dead-letters', brokers: config.KAFKA_BROKERS, logger: createLogger('dead-letters', config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL) });
  const serde = await AvroSerde.connect(config.SCHEMA_REGISTRY_URL, [names.channelDlq, names.channelInbound], config.TOPIC_NAMESPACE);
  const letters = await readDeadLetters(kafka, serde, names.channelDlq, { timeoutMs: read.timeoutSeconds * 1000 });
  const byId = new Map(letters.map((l) => [l.letter.event_id, l]));

  switch (request.kind) {
    case 'list': {
      const chosen = letters.filter((l) => !request.reason || l.letter.reason === request.reason);
      chosen.forEach((l) => io.out(summaryLine(l)));
      io.err(`${chosen.length} dead letter(s)${request.reason ? ` of reason ${request.reason}` : ''} in ${names.channelDlq}`);
      return 0;
    }
    case 'show': {
      const stored = byId.get(request.eventId);
      if (!stored) return notFound(io, [request.eventId], names.channelDlq);
      const { letter } = stored;
      io.out(`event-id ${letter.event_id}`);
      io.out(`at ${names.channelDlq}/${stored.partition}/${stored.offset}`);
      io.out(`failed-at ${new Date(letter.failed_at).toISOString()}`);
      io.out(`reason ${letter.reason}`);
      io.out(`detail ${letter.detail}`);
      io.out(`source ${letter.source_topic}/${letter.source_partition}/${letter.source_offset}`);
      io.out(`key ${letter.original_key === null ? '(none)' : JSON.stringify(letter.original_key.toString('utf8'))}`);
      for (const [name, value] of Object.entries(letter.original_headers)) io.out(`header ${name} ${JSON.stringify(value.toString('utf8'))}`);
      io.out(`replayable ${replayProblem(letter, names.channelInbound) ?? 'yes'}`);
      io.out(`record ${letter.source_topic === names.channelInbound ? JSON.stringify(await heldEvent(serde, letter), (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) : `(${letter.original_value?.length ?? 0} bytes)`}`);
      return 0;
    }
    case 'replay': {
      const chosen = request.all ? letters.filter((l) => (!request.reason || l.letter.reason === request.reason) && replayProblem(l.letter, names.channelInbound) === undefined) : request.eventIds.map((id) => byId.get(id));
      const missing = request.eventIds.filter((id) => !byId.has(id));
      if (missing.length > 0) return notFound(io, missing, names.channelDlq);
      const found = chosen as StoredDeadLetter[];
      const refused = found.flatMap((l) => {
        const problem = replayProblem(l.letter, names.channelInbound);
        return problem ? [`${l.letter.event_id}: ${problem}`] : [];
      });
      if (refused.length > 0) {
        refused.forEach((line) => io.err(`dead-letters refused: not_replayable: ${line}`));
        return EXIT_NOT_FOUND;
      }
      const producer = await kafka.producer();
      try {
        if (found.length > 0) await producer.send(names.channelInbound, found.map((l) => replayRecord(l, names.channelDlq)));
      } finally {
        await producer.disconnect();
      }
      found.forEach((l) => io.out(`replayed ${l.letter.event_id}`));
      io.err(`${found.length} record(s) sent back to ${names.channelInbound}; ingest takes each again (one already taken is dropped as a duplicate; one still wrong is dead-lettered anew)`);
      return 0;
    }
    default: {
      const unhandled: never = request;
      throw new Error(`unhandled request ${JSON.stringify(unhandled)}`);
    }
  }
}

function summaryLine({ partition, offset, letter }: StoredDeadLetter): string {
  return `${letter.event_id}\t${new Date(letter.failed_at).toISOString()}\t${letter.reason}\t${letter.source_topic}/${letter.source_partition}/${letter.source_offset}\tdlq=${partition}/${offset}\t${letter.detail}`;
}

function notFound(io: DeadLetterIo, eventIds: readonly string[], topic: string): number {
  io.err(`dead-letters refused: unknown_dead_letter: no dead letter ${eventIds.join(', ')} in ${topic} (dead-letters list shows them)`);
  return EXIT_NOT_FOUND;
}

if (require.main === module) {
  const io: DeadLetterIo = { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) };
  runDeadLetters(process.argv.slice(2), io).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `dead-letters failed: ${describe(error)}\n`);
      process.exit(error instanceof ConfigError ? 78 : 1);
    },
  );
}
