import { Gauge, PgListener, type BaseConfig, type Knex, type Logger, type Registry, type ServiceContext } from '@cm/service-runtime';

/** The channel every write to the directory's tables notifies (migration 20261227_006). */
export const DIRECTORY_CHANGES_CHANNEL = 'cm_directory_changes';

/**
 * While changes are not heard (before the first LISTEN, or while its connection is down), an
 * entry is kept at most this long: a revoked key or a moved listing takes effect within it.
 */
export const UNHEARD_CACHE_MS = 30_000;

/**
 * Tells a process's directory caches of every change to the directory's tables: a trigger
 * notifies at the commit of every statement that writes one, and each notification empties them
 * all. So a revoked key, a rotated webhook secret or a moved listing is seen at once, and an entry
 * can be kept for long. Changes are rare (an operator's), so emptying everything costs little.
 * While changes are not heard, no entry is kept longer than UNHEARD_CACHE_MS, and the caches are
 * emptied when the connection is lost and again when it listens anew.
 */
export class DirectoryChanges {
  private readonly forgets: (() => void)[] = [];
  private readonly listener: PgListener;

  constructor(
    db: Knex,
    log: Logger,
    /** Other channels whose notifications empty the same caches (the rates store's new plans). */
    alsoChannels: readonly string[] = [],
  ) {
    const forgetAll = () => {
      for (const forget of this.forgets) forget();
    };
    this.listener = new PgListener(db, [DIRECTORY_CHANGES_CHANNEL, ...alsoChannels], { notified: forgetAll, listening: forgetAll, lost: forgetAll }, log, 'directory changes');
  }

  /** Whether changes are heard now. */
  get heard(): boolean {
    return this.listener.listening;
  }

  /** How long a cache of the directory keeps an entry: `configuredMs` while changes are heard, else at most UNHEARD_CACHE_MS. */
  cacheTime(configuredMs: number): () => number {
    return () => (this.heard ? configuredMs : Math.min(configuredMs, UNHEARD_CACHE_MS));
  }

  /** `forget` empties a cache; it runs on every change, and when changes stop or start being heard. */
  follow(...forgets: (() => void)[]): void {
    this.forgets.push(...forgets);
  }

  start(): void {
    this.listener.start();
  }

  /**
   * A service's caches follow it from now until the service stops (before its database: stops run
   * last-added first), and its metrics say whether it hears (`cm_directory_changes_heard`).
   */
  run(context: Pick<ServiceContext<BaseConfig>, 'onStop' | 'metrics'>, ...forgets: (() => void)[]): void {
    this.follow(...forgets);
    this.export(context.metrics);
    this.start();
    context.onStop('directory changes', () => this.stop());
  }

  /**
   * `cm_directory_changes_heard`: 1 while changes are heard, 0 while not. While it is 0 a revoked
   * key or a moved listing takes up to UNHEARD_CACHE_MS to take effect, and the directory is read
   * every UNHEARD_CACHE_MS instead of every configured cache time (alert DirectoryChangesNotHeard).
   */
  export(registry: Registry): void {
    const changes = this;
    new Gauge({
      name: 'cm_directory_changes_heard',
      help: "1 while this process hears the directory's changes (its LISTEN is in place), 0 while not: then its caches keep entries at most 30 s.",
      registers: [registry],
      collect() {
        this.set(changes.heard ? 1 : 0);
      },
    });
  }

  stop(): Promise<void> {
    return this.listener.stop();
  }
}
