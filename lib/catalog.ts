import { loadCatalogFile, resolveCatalogPath } from '../functions/config/catalog-file.js';
import { parseCatalog } from '../functions/config/catalog-schema.js';
import type { Catalog as CatalogData } from '../functions/domain/program.js';

/**
 * A validated Closeloop catalog: survey programs, follow-up rules and queues, brand. Construct it
 * from the adopter's closeloop.yaml; an invalid catalog throws at once, naming each field.
 */
export class Catalog {
  /**
   * Reads and validates a catalog file (YAML, or JSON by its `.json` ending).
   * @param file a path; without one, `CLOSELOOP_CATALOG`, else the nearest closeloop.yaml from the current folder upward
   */
  static fromFile(file?: string): Catalog {
    return new Catalog(loadCatalogFile(resolveCatalogPath({ flag: file })));
  }

  /** Validates a catalog given as an object, shaped as closeloop.yaml is. */
  static fromObject(declared: Record<string, unknown>): Catalog {
    return new Catalog(parseCatalog(declared));
  }

  /**
   * The validated catalog with its defaults filled: what the functions run with. For TypeScript and
   * JavaScript only (its types are the catalog's own, which jsii has no form for).
   * @jsii ignore
   */
  readonly data: CatalogData;

  private constructor(data: CatalogData) {
    this.data = data;
  }
}
