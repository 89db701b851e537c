import { z } from 'zod';
import { baseConfig } from '@cm/service-runtime';

export const ingestConfig = baseConfig.extend({
  OPS_PORT: baseConfig.shape.OPS_PORT.default(9401),
  CONSUMER_GROUP: z.string().min(1).default('cm.ingest'),
});
export type IngestConfig = z.infer<typeof ingestConfig>;
