/**
 * The API every language gets: the construct, its props and the catalog loader. jsii compiles exactly
 * this file's exports (scripts/jsii.ts: docs/API.md, the Python bindings' code), so what is reachable
 * from here keeps to jsii's type system (no unions, generics or readonly arrays; maps by string).
 * The catalog's own types stay behind it: `Catalog.data` is for the construct, not a binding.
 */
export { Catalog } from './catalog.js';
export { Closeloop } from './closeloop.js';
export type { CloseloopProps, InboundProps, WafProps, WorkspaceProps } from './props.js';
