import { runServiceMain } from '@cm/service-runtime';
import { syncDispatcher } from './service';

runServiceMain(syncDispatcher);
