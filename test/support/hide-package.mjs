// `node --import ./hide-package.mjs`: the package named in HIDE_PACKAGE resolves as not installed,
// to test the fix-it error of an optional package without uninstalling it.
import { register } from 'node:module';

register('./hide-package-hooks.mjs', import.meta.url);
