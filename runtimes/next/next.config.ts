import { fileURLToPath } from 'node:url'

/*
 * Not annotated with `NextConfig`: importing next's types into the root typecheck (which includes
 * runtimes/) declares `NodeJS.ProcessEnv.NODE_ENV` required for every file of the repository.
 */
export default {
  // The repository is the workspace: the contract app (runtimes/contract) and the built package (dist/,
  // which `use-next-sse` resolves to through the package's own `exports`) live above this folder.
  turbopack: { root: fileURLToPath(new URL('../..', import.meta.url)) },
}
