/**
 * The one piece of node:async_hooks the counting build uses (workerd provides
 * it under nodejs_compat). This tsconfig has the Workers types, not Node's.
 */
declare module "node:async_hooks" {
  export class AsyncLocalStorage<T> {
    run<R>(store: T, callback: () => R): R;
    getStore(): T | undefined;
  }
}
