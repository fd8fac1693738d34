/**
 * The named exports of a module loaded with `import()`. From the CommonJS build, Node's `import()` of a
 * sibling `.cjs` file (esbuild writes no export hints for the neutral platform) finds only `default`,
 * which holds them; from ESM they are the namespace itself. Used by the lazily loaded chunks (the Node
 * adapter, the cross-tab protocol).
 *
 * @example
 * ```ts
 * const { toNodeHandler } = namedExports(await import('../node'))
 * ```
 * @internal
 */
export function namedExports<T extends object>(module: T): T {
  return (module as { default?: T }).default ?? module
}
