/**
 * The `closeloop` construct library.
 *
 *   import { Catalog, Closeloop } from 'closeloop';
 *   new Closeloop(stack, 'Feedback', { catalog: Catalog.fromFile('closeloop.yaml'), senderEmail, supportEmail });
 */

// TypeScript and JavaScript only (jsii has no form for them): the errors, to tell them apart with
// `instanceof`; the catalog's validated data as a type; the props from CDK context.
export { CatalogFileError, CatalogNotFoundError } from '../functions/config/catalog-file.js';
export { InvalidCatalogError } from '../functions/config/catalog-schema.js';
export type { Catalog as CatalogData } from '../functions/domain/program.js';
export * from './api.js';
export { CONTEXT_KEYS, InvalidContextError, propsFromContext } from './context.js';
export { InvalidPropsError } from './props.js';
