import { z } from 'zod';
import { baseConfig, redisConfig } from '@cm/service-runtime';

export const dispatcherConfig = baseConfig.extend(redisConfig.shape).extend({
  OPS_PORT: baseConfig.shape.OPS_PORT.default(9403),
  CONSUMER_GROUP: z.string().min(1).default('cm.sync-dispatcher'),
});
export type DispatcherConfig = z.infer<typeof dispatcherConfig>;
