import { z } from 'zod';
import { baseConfig, databaseConfig } from '@cm/service-runtime';

export const arbiterConfig = baseConfig.extend(databaseConfig.shape).extend({
  OPS_PORT: baseConfig.shape.OPS_PORT.default(9402),
  CONSUMER_GROUP: z.string().min(1).default('cm.booking-arbiter'),
});
export type ArbiterConfig = z.infer<typeof arbiterConfig>;
