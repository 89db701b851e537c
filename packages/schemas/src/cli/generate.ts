import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AVRO_DIR } from '../avro-files';
import { generateTypes } from '../codegen';

/** Writes src/generated/records.ts from the .avsc files. */
export const GENERATED_FILE = join(__dirname, '..', '..', 'src', 'generated', 'records.ts');

export function avscFiles(): { file: string; schema: string }[] {
  return readdirSync(AVRO_DIR)
    .filter((f) => f.endsWith('.avsc'))
    .sort()
    .map((file) => ({ file, schema: readFileSync(join(AVRO_DIR, file), 'utf8') }));
}

if (require.main === module) {
  writeFileSync(GENERATED_FILE, generateTypes(avscFiles()));
  process.stdout.write(`wrote ${GENERATED_FILE}\n`);
}
