// The one entry to @peculiar/x509: the metadata shim must run before the library loads, and ES
// modules evaluate imports in order, so everything imports x509 from here.
import './reflectMetadata.js';

export * from '@peculiar/x509';
