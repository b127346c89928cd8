import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** A shared library tfjs-node-gpu needs. */
export interface CudaLibrary {
  /** The soname looked for, e.g. `libcudart.so.11.0`. */
  soname: string;
  /** What it is, e.g. "CUDA 11 runtime". */
  purpose: string;
  /** Where it was found (path, or `ldconfig` for the loader cache), if anywhere. */
  foundAt?: string;
}

/** What {@link probeCuda} found. */
export interface CudaProbe {
  /** Every library tfjs-node-gpu 4.22 loads, with where it was found. */
  libraries: CudaLibrary[];
  /** Whether all of them were found. */
  complete: boolean;
  /** Directories searched besides the loader cache, in order. */
  searched: string[];
  /** Whether an NVIDIA driver is visible (`/proc/driver/nvidia/version` or `libcuda.so.1`). */
  driver: boolean;
}

/**
 * The libraries tfjs-node-gpu 4.22 (libtensorflow 2.9) opens at start: CUDA 11.x and cuDNN 8.
 * Missing ones make TensorFlow fall back to the CPU silently.
 */
export const tfjsNodeGpuLibraries: ReadonlyArray<Omit<CudaLibrary, 'foundAt'>> = [
  { soname: 'libcudart.so.11.0', purpose: 'CUDA 11 runtime' },
  { soname: 'libcublas.so.11', purpose: 'cuBLAS 11' },
  { soname: 'libcublasLt.so.11', purpose: 'cuBLASLt 11' },
  { soname: 'libcufft.so.10', purpose: 'cuFFT (CUDA 11)' },
  { soname: 'libcurand.so.10', purpose: 'cuRAND (CUDA 11)' },
  { soname: 'libcusolver.so.11', purpose: 'cuSOLVER 11' },
  { soname: 'libcusparse.so.11', purpose: 'cuSPARSE 11' },
  { soname: 'libcudnn.so.8', purpose: 'cuDNN 8' },
];

/** Options of {@link probeCuda}. */
export interface ProbeCudaOptions {
  /** Environment to read `LD_LIBRARY_PATH` and `CUDA_HOME`/`CUDA_PATH` from. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Output of `ldconfig -p`. Default: runs it (empty if it is not there). */
  ldconfigOutput?: string;
  /** Extra directories to search after the defaults. */
  directories?: string[];
  /** Root of the file system, for tests. Default `/`. */
  root?: string;
}

/**
 * Looks for the CUDA 11 / cuDNN 8 libraries tfjs-node-gpu needs, in the loader cache
 * (`ldconfig -p`), `LD_LIBRARY_PATH`, `CUDA_HOME`/`CUDA_PATH` and `/usr/local/cuda*`, so
 * `graft doctor` can say which are missing instead of TensorFlow silently using the CPU.
 */
export async function probeCuda(options: ProbeCudaOptions = {}): Promise<CudaProbe> {
  const env = options.env ?? process.env;
  const root = options.root ?? '/';
  const ldconfig = options.ldconfigOutput ?? (await runLdconfig());
  const cached = new Map<string, string>();
  for (const line of ldconfig.split('\n')) {
    // "\tlibcudart.so.11.0 (libc6,x86-64) => /usr/local/cuda/lib64/libcudart.so.11.0"
    const match = /^\s*(\S+)\s.*=>\s*(\S+)\s*$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) cached.set(match[1], match[2]);
  }
  const searched = [
    ...(env.LD_LIBRARY_PATH ?? '').split(':').filter((directory) => directory.length > 0),
    ...[env.CUDA_HOME, env.CUDA_PATH]
      .filter((directory): directory is string => directory !== undefined && directory.length > 0)
      .flatMap((directory) => [join(directory, 'lib64'), join(directory, 'lib')]),
    ...cudaInstallDirectories(root),
    ...(options.directories ?? []),
  ];
  const libraries = tfjsNodeGpuLibraries.map((library): CudaLibrary => {
    const fromCache = cached.get(library.soname);
    if (fromCache !== undefined) return { ...library, foundAt: fromCache };
    const directory = searched.find((candidate) =>
      existsSync(join(root, candidate, library.soname)),
    );
    return directory === undefined
      ? { ...library }
      : { ...library, foundAt: join(directory, library.soname) };
  });
  const driver = existsSync(join(root, 'proc/driver/nvidia/version')) || cached.has('libcuda.so.1');
  return {
    libraries,
    complete: libraries.every((library) => library.foundAt !== undefined),
    searched,
    driver,
  };
}

/** The probe as text lines for `graft doctor`. */
export function formatCudaProbe(probe: CudaProbe): string[] {
  const lines = [
    `CUDA for tfjs-node-gpu 4.22 (CUDA 11.x, cuDNN 8): ${probe.complete ? 'all libraries found' : 'incomplete'}` +
      `; NVIDIA driver ${probe.driver ? 'found' : 'not found'}`,
  ];
  for (const library of probe.libraries) {
    lines.push(
      `  ${library.soname.padEnd(18)} ${library.foundAt === undefined ? 'MISSING' : library.foundAt} (${library.purpose})`,
    );
  }
  if (!probe.complete) {
    lines.push(
      '  Install CUDA 11.x and cuDNN 8 (e.g. the cuda-libraries-11-8 and libcudnn8 packages) and make them' +
        ' visible through ldconfig or LD_LIBRARY_PATH; newer CUDA majors do not provide these sonames.',
    );
  }
  return lines;
}

function cudaInstallDirectories(root: string): string[] {
  let names: string[] = [];
  try {
    names = readdirSync(join(root, 'usr/local')).filter((name) => /^cuda(-[\d.]+)?$/.test(name));
  } catch {
    names = [];
  }
  return names
    .sort()
    .flatMap((name) => [`/usr/local/${name}/lib64`, `/usr/local/${name}/targets/x86_64-linux/lib`]);
}

function runLdconfig(): Promise<string> {
  return new Promise((resolve) => {
    execFile('ldconfig', ['-p'], { timeout: 5000 }, (error, stdout) =>
      resolve(error ? '' : stdout),
    );
  });
}
