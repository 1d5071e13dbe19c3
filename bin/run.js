import { enableCompileCache } from 'node:module';

// Start-up is most of a short command's time: cache compiled code between runs.
enableCompileCache();
const { execute } = await import('@oclif/core');
await execute({ dir: import.meta.url });
