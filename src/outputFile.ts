// A file kspray writes under an output directory. Emitters and render produce them, io/ writes them:
// the type sits below both so that producing a file never depends on the module that touches the disk.
export interface OutputFile {
  relPath: string; // '/'-separated, relative to the target directory
  content: string | Uint8Array;
  mode: number;
}
