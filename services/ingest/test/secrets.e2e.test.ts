import { randomBytes } from 'node:crypto';
import { connectionSettingsOf, exportFeedPath, icalImportFeeds, listingOfExportToken } from '@cm/directory';
import { KeyRing } from '@cm/secrets';
import type { Knex } from '@cm/service-runtime';
import { TEST_SECRETS_KEYS, testKeyRing } from '@cm/test-harness';
import { ingestWorld, reservationCreated, type IngestProcess, type IngestWorld, type TestTenant } from '@cm/test-harness/worlds/ingest-world';
import { EXIT_REFUSED, runAdmin } from '../src/cli/admin';

/**
 * Connections as data with their secrets sealed (issue 21.3), on the real PostgreSQL, broker and
 * ingest process: what the operator gives or is given is never readable in the database, in a
 * service's logs or in any admin answer but the one that created it; webhooks verify with the
 * sealed secret, before and after a key rotation; a ring that cannot open them stops ingest.
 */
describe('ingest: secrets at rest', () => {
  let world: IngestWorld;
  let tenant: TestTenant;
  const adminOutput: { args: readonly string[]; text: string }[] = [];
  const ingests: IngestProcess[] = [];

  const CREDENTIALS = `api-token-${randomBytes(18).toString('base64url')}`;
  const IMPORT_URL = `https://www.airbnb.test/calendar/ical/4242.ics?s=${randomBytes(16).toString('hex')}`;
  const NEW_KEYS = `test2:${randomBytes(32).toString('base64')}`;

  beforeAll(async () => {
    world = await ingestWorld();
    tenant = world.tenants[0];
  });
  afterAll(async () => world?.close());

  /** Runs an admin command in this process with a key ring, keeping everything it printed. */
  const admin = async (ring: KeyRing, args: string[], stdin?: string) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runAdmin(args, { out: (l) => out.push(l), err: (l) => err.push(l), ...(stdin !== undefined ? { input: async () => `${stdin}\n` } : {}) }, () => ({ db: world.db, secrets: ring, close: async () => undefined }));
    adminOutput.push({ args, text: [...out, ...err].join('\n') });
    return { code, out, err: err.join('\n') };
  };

  const startIngest = async (env: Record<string, string> = {}) => {
    const ingest = await world.startIngest({ LOG_LEVEL: 'debug', ...env });
    ingests.push(ingest);
    return ingest;
  };

  /** Every text, bytea and jsonb column of the ingest schema (the directory's tables and ingest's own) holding `needle`. */
  const columnsHolding = async (db: Knex, needle: string): Promise<string[]> => {
    const columns: { table_name: string; column_name: string; data_type: string }[] = (
      await db.raw(`SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'ingest' AND data_type IN ('text', 'bytea', 'jsonb', 'character', 'character varying')`)
    ).rows;
    expect(columns.map((c) => `${c.table_name}.${c.column_name}`)).toEqual(expect.arrayContaining(['channel_connections.webhook_secret_sealed', 'channel_connections.credentials_sealed', 'listings.import_url_sealed', 'listings.export_token_hash']));
    const found: string[] = [];
    for (const c of columns) {
      const holds = c.data_type === 'bytea' ? `position(convert_to(?, 'UTF8') in "${c.column_name}") > 0` : `strpos("${c.column_name}"::text, ?) > 0`;
      const { rows } = await db.raw(`SELECT count(*)::int AS n FROM ingest."${c.table_name}" WHERE ${holds}`, [needle]);
      if (rows[0].n > 0) found.push(`${c.table_name}.${c.column_name}`);
    }
    return found;
  };

  let connectionId: string;
  let listingId: string;
  let webhookSecret: string;
  let firstWebhookSecret: string;
  let exportToken: string;
  let propertyId: string;

  it('connections add, listing, import-url set: secrets printed once (the new webhook secret, the feed URL), read back opened by the services, shown masked', async () => {
    connectionId = `${tenant.tenantId}-airbnb-2`;
    propertyId = `${tenant.tenantId}-loft`;
    listingId = `${tenant.tenantId}-airbnb-loft`;
    const added = await admin(testKeyRing, ['connections', 'add', connectionId, tenant.tenantId, 'airbnb', '--base-url=https://api.airbnb.test/v2', '--poll-seconds=120', '--credentials-stdin'], CREDENTIALS);
    expect(added).toMatchObject({ code: 0, out: [expect.stringMatching(/^[A-Za-z0-9_-]{43}$/)] });
    webhookSecret = added.out[0]!;
    firstWebhookSecret = webhookSecret;
    expect((await admin(testKeyRing, ['property', propertyId, tenant.tenantId, 'Europe/Paris', 'EUR'])).code).toBe(0);
    const mapped = await admin(testKeyRing, ['listing', 'airbnb', listingId, propertyId, connectionId]);
    expect(mapped.code).toBe(0);
    exportToken = /^export feed \/ical\/([A-Za-z0-9_-]{43})\.ics$/.exec(mapped.out[1] ?? '')![1]!;
    expect(await admin(testKeyRing, ['listings', 'import-url', 'set', 'airbnb', listingId], IMPORT_URL)).toMatchObject({ code: 0, out: [`import URL of AIRBNB listing ${listingId} created`] });

    expect(await connectionSettingsOf(world.db, testKeyRing, connectionId)).toEqual({ connectionId, channel: 'AIRBNB', baseUrl: 'https://api.airbnb.test/v2', credentials: CREDENTIALS });
    expect(await icalImportFeeds(world.db, testKeyRing)).toEqual([{ channel: 'AIRBNB', listingId, connectionId, tenantId: tenant.tenantId, propertyId, url: IMPORT_URL, pollIntervalMs: 120_000 }]);
    expect(await listingOfExportToken(world.db, exportToken)).toEqual({ channel: 'AIRBNB', listingId });
    expect(exportFeedPath(exportToken)).toBe(`/ical/${exportToken}.ics`);

    const shown = await admin(testKeyRing, ['connections', 'show', connectionId]);
    expect(shown.out).toEqual(expect.arrayContaining([`webhook-secret ****${webhookSecret.slice(-4)} (sealed under test1)`, `credentials ****${CREDENTIALS.slice(-4)}`, 'base-url https://api.airbnb.test/v2', 'poll-interval 120s']));
    const listed = await admin(testKeyRing, ['connections', 'list', tenant.tenantId]);
    expect(listed.out).toHaveLength(5);
    expect(listed.out.find((l) => l.startsWith(`${connectionId}\t`))).toBe(`${connectionId}\t${tenant.tenantId}\tAIRBNB\tbase-url=https://api.airbnb.test/v2\tcredentials=set\tpoll=120s\tlistings=1\tsecret-key=test1`);
    expect(await admin(testKeyRing, ['connections', 'remove', connectionId])).toMatchObject({ code: EXIT_REFUSED, err: expect.stringContaining('connection_has_listings') });
  });

  it('a webhook verifies with the sealed secret; the wrong secret is refused', async () => {
    const ingest = await startIngest();
    const body = reservationCreated(tenant, 'AIRBNB', { listing_id: listingId });
    expect((await world.webhook(ingest, 'AIRBNB', body, { connectionId, secret: webhookSecret })).status).toBe(202);
    expect((await world.webhook(ingest, 'AIRBNB', reservationCreated(tenant, 'AIRBNB', { listing_id: listingId }), { connectionId, secret: tenant.connections.AIRBNB.secret })).status).toBe(401);
    expect((await world.webhook(ingest, 'AIRBNB', reservationCreated(tenant, 'AIRBNB'))).status).toBe(202);
  });

  it('connections rotate: a new webhook secret (printed once) is the only one that verifies; new credentials from stdin', async () => {
    const rotated = await admin(testKeyRing, ['connections', 'rotate', connectionId, '--webhook-secret', '--credentials-stdin', '--force'], `${CREDENTIALS}-2`);
    expect(rotated).toMatchObject({ code: 0, out: [expect.stringMatching(/^[A-Za-z0-9_-]{43}$/)] });
    expect(rotated.err).toContain('credentials replaced');
    const ingest = ingests[0]!;
    expect((await world.webhook(ingest, 'AIRBNB', reservationCreated(tenant, 'AIRBNB', { listing_id: listingId }), { connectionId, secret: webhookSecret })).status).toBe(401);
    webhookSecret = rotated.out[0]!;
    expect((await world.webhook(ingest, 'AIRBNB', reservationCreated(tenant, 'AIRBNB', { listing_id: listingId }), { connectionId, secret: webhookSecret })).status).toBe(202);
    expect((await connectionSettingsOf(world.db, testKeyRing, connectionId))?.credentials).toBe(`${CREDENTIALS}-2`);
  });

  it('a webhook secret stored in clear (a row from before sealing) still verifies, and secrets reencrypt seals it', async () => {
    const legacyId = `${tenant.tenantId}-legacy`;
    const legacySecret = `legacy-${randomBytes(18).toString('hex')}`;
    // Written as the previous release wrote it: only the clear column.
    await world.db.raw('INSERT INTO ingest.channel_connections (connection_id, tenant_id, channel, webhook_secret) VALUES (?, ?, ?, ?)', [legacyId, tenant.tenantId, 'VRBO', legacySecret]);
    const ingest = ingests[0]!;
    const body = reservationCreated(tenant, 'VRBO', { listing_id: `${tenant.tenantId}-vrbo-legacy` });
    // Verified (401 would be a signature problem): the listing is not on this connection, so 422.
    expect((await world.webhook(ingest, 'VRBO', body, { connectionId: legacyId, secret: legacySecret })).status).toBe(422);
    expect(await columnsHolding(world.db, legacySecret)).toEqual(['channel_connections.webhook_secret']);
    expect((await admin(testKeyRing, ['connections', 'list'])).out.find((l) => l.startsWith(`${legacyId}\t`))).toContain('secret-key=clear');

    const sealed = await admin(testKeyRing, ['secrets', 'reencrypt']);
    expect(sealed).toMatchObject({ code: 0, out: [expect.stringMatching(/^sealed 1 clear secret\(s\), resealed 0 under key test1, \d+ already under it$/)] });
    expect(await columnsHolding(world.db, legacySecret)).toEqual([]);
    expect((await world.webhook(ingest, 'VRBO', reservationCreated(tenant, 'VRBO', { listing_id: `${tenant.tenantId}-vrbo-legacy` }), { connectionId: legacyId, secret: legacySecret })).status).toBe(422);
    expect((await admin(testKeyRing, ['connections', 'remove', legacyId])).out).toEqual([`connection ${legacyId} removed`]);
  });

  it('key rotation: the new key second, then first, reencrypt, the old key dropped; webhooks verify throughout', async () => {
    // Step 1: every instance gets the new key second (it seals nothing yet).
    const during = await startIngest({ SECRETS_KEYS: `${TEST_SECRETS_KEYS},${NEW_KEYS}` });
    expect((await world.webhook(during, 'AIRBNB', reservationCreated(tenant, 'AIRBNB', { listing_id: listingId }), { connectionId, secret: webhookSecret })).status).toBe(202);

    // Steps 2 and 3: the new key first, then everything resealed under it.
    const resealed = await admin(KeyRing.parse(`${NEW_KEYS},${TEST_SECRETS_KEYS}`), ['secrets', 'reencrypt']);
    expect(resealed.code).toBe(0);
    expect(resealed.out[0]).toMatch(/^sealed 0 clear secret\(s\), resealed \d+ under key test2, 0 already under it$/);
    const keysInUse: { key: string }[] = (await world.db.raw(`SELECT DISTINCT split_part(webhook_secret_sealed, '.', 2) AS key FROM ingest.channel_connections`)).rows;
    expect(keysInUse).toEqual([{ key: 'test2' }]);
    // Instances still holding both keys keep verifying what was resealed.
    expect((await world.webhook(during, 'AIRBNB', reservationCreated(tenant, 'AIRBNB', { listing_id: listingId }), { connectionId, secret: webhookSecret })).status).toBe(202);

    // Step 4: the old key dropped.
    const after = await startIngest({ SECRETS_KEYS: NEW_KEYS });
    expect((await world.webhook(after, 'AIRBNB', reservationCreated(tenant, 'AIRBNB', { listing_id: listingId }), { connectionId, secret: webhookSecret })).status).toBe(202);
    expect((await world.webhook(after, 'BOOKING_COM', reservationCreated(tenant, 'BOOKING_COM'))).status).toBe(202);
    expect(await icalImportFeeds(world.db, KeyRing.parse(NEW_KEYS))).toEqual([expect.objectContaining({ url: IMPORT_URL })]);
  });

  it('a ring without the key the secrets are sealed under stops ingest at start naming SECRETS_KEYS; an ill-formed one too', async () => {
    await expect(startIngest({ SECRETS_KEYS: TEST_SECRETS_KEYS })).rejects.toThrow(/exited 78[\s\S]*SECRETS_KEYS: the secret of connection:[^ ]+:webhook_secret does not open: it was sealed under a key the key ring does not hold/);
    const shortKey = randomBytes(16).toString('base64');
    const illFormed = startIngest({ SECRETS_KEYS: `test2:${shortKey}` });
    await expect(illFormed).rejects.toThrow(/exited 78[\s\S]*SECRETS_KEYS: key 'test2' is not the base64 of 32 bytes/);
    await expect(illFormed).rejects.not.toThrow(shortKey);
    const wrongRing = await admin(testKeyRing, ['connections', 'show', connectionId]);
    expect(wrongRing).toMatchObject({ code: EXIT_REFUSED, err: expect.stringContaining('secret_unreadable') });
  });

  it('feeds rotate-token prints a new feed URL once; the old token no longer names the listing', async () => {
    const rotated = await admin(testKeyRing, ['feeds', 'rotate-token', 'airbnb', listingId]);
    expect(rotated).toMatchObject({ code: 0, out: [expect.stringMatching(/^\/ical\/[A-Za-z0-9_-]{43}\.ics$/)] });
    const token = /^\/ical\/(.+)\.ics$/.exec(rotated.out[0]!)![1]!;
    expect(await listingOfExportToken(world.db, token)).toEqual({ channel: 'AIRBNB', listingId });
    expect(await listingOfExportToken(world.db, exportToken)).toBeUndefined();
    exportToken = token;
  });

  it('no secret is readable in the database, in the logs of the ingest runs, or in an admin answer other than the one that made it', async () => {
    const harnessSecrets = world.tenants.flatMap((t) => Object.values(t.connections).flatMap((c) => [c.secret, c.exportToken]));
    const secrets = [firstWebhookSecret, webhookSecret, CREDENTIALS, `${CREDENTIALS}-2`, IMPORT_URL, exportToken, ...harnessSecrets];
    for (const secret of secrets) expect({ secret, columns: await columnsHolding(world.db, secret) }).toEqual({ secret, columns: [] });

    const logs = ingests.map((i) => i.output()).join('\n');
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of [...secrets, NEW_KEYS.split(':')[1]!, TEST_SECRETS_KEYS.split(':')[1]!]) expect({ secret, inLogs: logs.includes(secret) }).toEqual({ secret, inLogs: false });

    // Each secret printed by exactly the one command that made it, and the key ring never.
    const printedBy = (secret: string) => adminOutput.filter((o) => o.text.includes(secret)).map((o) => o.args.slice(0, 2).join(' '));
    expect(printedBy(firstWebhookSecret)).toEqual(['connections add']);
    expect(printedBy(webhookSecret)).toEqual(['connections rotate']);
    expect(printedBy(exportToken)).toEqual(['feeds rotate-token']);
    for (const secret of [CREDENTIALS, `${CREDENTIALS}-2`, IMPORT_URL, ...NEW_KEYS.split(':').slice(1), ...TEST_SECRETS_KEYS.split(':').slice(1)]) expect({ secret, printedBy: printedBy(secret) }).toEqual({ secret, printedBy: [] });
    expect(adminOutput.length).toBeGreaterThan(10);
  });
});
