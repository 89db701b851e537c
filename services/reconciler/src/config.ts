import { z } from 'zod';
import { baseConfig, databaseConfig } from '@cm/service-runtime';

export const reconcilerConfig = baseConfig.extend(databaseConfig.shape).extend({
  OPS_PORT: baseConfig.shape.OPS_PORT.default(9404),
  CONSUMER_GROUP: z.string().min(1).default('cm.reconciler'),
});
export type ReconcilerConfig = z.infer<typeof reconcilerConfig>;
