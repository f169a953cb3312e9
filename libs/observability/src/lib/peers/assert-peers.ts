import { checkPeers, packageLocation } from './peer-check.js';

// Imported first by the package's entry point, so a missing or unsupported peer stops the app with one line naming
// the package and its range instead of a stack trace from inside a module that needed it. Yarn Plug'n'Play has no
// node_modules to look in, and OBSERVABILITY_PEER_CHECK=false skips the check for setups it cannot read.
if (!process.versions.pnp && process.env.OBSERVABILITY_PEER_CHECK !== 'false') {
  for (const warning of checkPeers(packageLocation(import.meta.url))) {
    process.emitWarning(warning, { code: 'OBSERVABILITY_PEER_VERSION' });
  }
}
