/**
 * The `closeloop` construct library.
 *
 *   import { Catalog, Closeloop } from 'closeloop';
 *   new Closeloop(stack, 'Feedback', { catalog: Catalog.fromFile('closeloop.yaml'), senderEmail, supportEmail });
 */

export { CatalogFileError, CatalogNotFoundError } from '../functions/config/catalog-file.js';
export { InvalidCatalogError } from '../functions/config/catalog-schema.js';
export type { Catalog as CatalogData } from '../functions/domain/program.js';
export { Catalog } from './catalog.js';
export { Closeloop } from './closeloop.js';
export { CONTEXT_KEYS, InvalidContextError, propsFromContext } from './context.js';
export { type CloseloopProps, InvalidPropsError, type WafProps } from './props.js';
