// Module resolve hook registered by hide-package.mjs.
export async function resolve(specifier, context, next) {
  if (specifier === process.env.HIDE_PACKAGE) {
    const err = new Error(`Cannot find package '${specifier}'`);
    err.code = 'ERR_MODULE_NOT_FOUND';
    throw err;
  }
  return next(specifier, context);
}
