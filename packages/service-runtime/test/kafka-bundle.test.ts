import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The build's bundle of the Kafka client (scripts/lib/bundle-kafka-client.mjs), read by a process
 * of its own, as a service reads it: jest runs the sources, which require the package as it is.
 */
describe('the Kafka client bundle the build makes', () => {
  const seen = JSON.parse(execFileSync(process.execPath, [join(__dirname, 'fixtures', 'kafka-bundle.js')], { encoding: 'utf8' })) as {
    current: boolean;
    bundleExports: string[];
    packageExports: string[];
    crcOfParts: number;
    crcOfWhole: number;
    crcImplementation: string;
    compressed: Record<string, string>;
  };
  const text = 'a booking, its nights closed on three channels';

  it('is the one the client takes: built from the package installed now', () => {
    expect(seen.current).toBe(true);
  });

  it('exports what the package exports', () => {
    expect(seen.bundleExports.length).toBeGreaterThan(100);
    expect(seen.bundleExports).toEqual(seen.packageExports);
  });

  it('shares one buffer type with its WebAssembly helpers: the CRC-32C of a buffer in parts is that of the whole', () => {
    expect(seen.crcOfParts).toBe(seen.crcOfWhole);
    // The optional native CRC is found from the package's folder, as unbundled.
    expect(seen.crcImplementation).toBe('nativeCRC32C');
  });

  it('compresses and decompresses with gzip, snappy and lz4 (the last two in WebAssembly, kept outside the bundle)', () => {
    expect(seen.compressed).toEqual({ gzip: text, snappy: text, lz4: text });
  });
});
