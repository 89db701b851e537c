import { runServiceMain } from '@cm/service-runtime';
import { ingest } from './service';

runServiceMain(ingest);
