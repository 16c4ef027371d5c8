import { loadConfig } from '../config.js';
import { type Context, createContext } from '../context.js';

/** Opens the deployment's context for one CLI command and always closes it. */
export async function withContext<T>(fn: (ctx: Context) => Promise<T>): Promise<T> {
  const ctx = await createContext(loadConfig());
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}
