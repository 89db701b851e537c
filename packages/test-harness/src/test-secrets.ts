import { KeyRing } from '@cm/secrets';

/**
 * The key ring of every test: the services a test starts get it as SECRETS_KEYS (spawnNode sets
 * it), and the test seals and opens with `testKeyRing`, so both sides read the same rows. Its key
 * is public, which is what a test key is; a deployment gives its own from a Kubernetes Secret.
 */
export const TEST_SECRETS_KEYS = `test1:${Buffer.from('channel-manager-tests-key-ring-1').toString('base64')}`;
export const testKeyRing = KeyRing.parse(TEST_SECRETS_KEYS);
