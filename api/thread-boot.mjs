// Entry of the API's thread in the all-in-one hub. Worker threads do not inherit the main thread's tsx loader, so this
// plain module registers it and then loads the TypeScript entry (thread-worker.ts).
import { register } from 'tsx/esm/api';

register();
await import('./thread-worker.ts');
