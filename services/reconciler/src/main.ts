import { runServiceMain } from '@cm/service-runtime';
import { reconciler } from './service';

runServiceMain(reconciler);
