import { runServiceMain } from '@cm/service-runtime';
import { bookingArbiter } from './service';

runServiceMain(bookingArbiter);
