// Entry of a report worker thread. Worker threads do not inherit the main thread's tsx loader, so this plain
// module registers it and then loads the TypeScript task (parameter-task.ts).
import { register } from 'tsx/esm/api';

register();
const { parameterTask } = await import('./parameter-task.ts');

export default parameterTask;
