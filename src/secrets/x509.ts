// The one entry to @peculiar/x509: it registers its providers through tsyringe, which needs the
// Reflect metadata API loaded first, and ES modules evaluate imports in order.
import 'reflect-metadata';

export * from '@peculiar/x509';
