import { runServiceMain } from '@cm/service-runtime';
import { escalation } from './service';

runServiceMain(escalation);
