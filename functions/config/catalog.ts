import { parseCatalog } from './catalog-schema.js';
import { declaredCatalog } from './programs.js';

/** The validated catalog. Importing this module fails fast if the declarations are invalid. */
export const catalog = parseCatalog(declaredCatalog);
