import { z } from 'zod';
import { baseConfig, databaseConfig } from '@cm/service-runtime';

export const escalationConfig = baseConfig.extend(databaseConfig.shape).extend({
  OPS_PORT: baseConfig.shape.OPS_PORT.default(9405),
  CONSUMER_GROUP: z.string().min(1).default('cm.escalation'),
});
export type EscalationConfig = z.infer<typeof escalationConfig>;
