import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { type MountedTmpfs, mountTmpfs } from '../testing/mount-tmpfs.js';
import { type BinaryResult, requireBinary, runBinary } from './run-binary.js';

// Issue 25 (5–6): locked runs, --overwrite, full and read-only disks, SIGTERM. The built binary
// on 4 + 4 ants/bees images with MobileNetV2 0.35 features: each run takes seconds. Long runs
// (--epochs 100000) are stopped by the test once epoch 2 is under way.
const shared = process.env.GRAFT_SHARED_DIR ?? '';
const hymenoptera = join(shared, 'data', 'hymenoptera');
const backbone = 'mobilenet_v2_0.35_224';
const isRoot = process.getuid?.() === 0;
let directory: string;
let data: string;
let env: Record<string, string>;
const disks: MountedTmpfs[] = [];

beforeAll(async () => {
  requireBinary();
  directory = await mkdtemp(join(tmpdir(), 'graft-run-safety-'));
  data = join(directory, 'data');
  for (const split of ['train', 'val'] as const) {
    for (const className of ['ants', 'bees']) {
      const from = join(hymenoptera, split, className);
      const files = (await readdir(from)).filter((name) => name.endsWith('.jpg')).sort();
      await mkdir(join(data, split, className), { recursive: true });
      for (const name of files.slice(0, 2)) {
        await copyFile(join(from, name), join(data, split, className, name));
      }
    }
  }
  env = {
    GRAFT_MIRROR: join(shared, 'weights'),
    GRAFT_SHARED_DIR: shared,
    GRAFT_OFFLINE: '1',
    GRAFT_CACHE_DIR: join(directory, 'cache'),
  };
});
afterAll(async () => {
  for (const disk of disks) disk.unmount();
  if (directory) await rm(directory, { recursive: true, force: true });
});

function train(out: string, ...flags: string[]): Promise<BinaryResult> {
  return runBinary(['train', data, '--backbone', backbone, '--out', out, ...flags], { env });
}

/** Starts an endless run and calls `act` with its pid once epoch 2 is under way. */
function trainUntilEpoch2(
  out: string,
  act: (pid: number, kill: (signal: NodeJS.Signals) => void) => void,
  ...flags: string[]
): Promise<BinaryResult> {
  let acted = false;
  return runBinary(
    ['train', data, '--backbone', backbone, '--epochs', '100000', '--out', out, ...flags],
    {
      env,
      onStderr: (text, child) => {
        if (!acted && /epoch 2\/100000/.test(text) && child.pid !== undefined) {
          acted = true;
          act(child.pid, (signal) => child.kill(signal));
        }
      },
    },
  );
}

/** Every file under `root` (relative path → sha256), to compare runs byte for byte. */
async function fileHashes(root: string): Promise<Record<string, string>> {
  const names = (await readdir(root, { recursive: true })) as string[];
  const hashes: Record<string, string> = {};
  for (const name of names.sort()) {
    const path = join(root, name);
    if ((await stat(path)).isFile()) {
      hashes[relative(root, path)] = createHash('sha256')
        .update(await readFile(path))
        .digest('hex');
    }
  }
  return hashes;
}

async function readConfig(root: string): Promise<{ epochs: number; seed: number }> {
  return JSON.parse(await readFile(join(root, 'config.json'), 'utf8'));
}

describe('run directories are never shared, mixed or lost (built binary)', () => {
  it('a second graft train on the same --out fails at once naming the first pid; the first is untouched', async () => {
    const out = join(directory, 'shared-out');
    let second: Promise<BinaryResult> | undefined;
    let firstPid = 0;
    const first = await trainUntilEpoch2(out, (pid, kill) => {
      firstPid = pid;
      second = train(out, '--epochs', '2', '--seed', '7');
      second.finally(() => kill('SIGINT'));
    });
    const refused = await (second as Promise<BinaryResult>);
    expect(refused.code, refused.stderr).toBe(exitCodes.busy);
    expect(refused.stderr).toContain(`${out} is in use by graft train (pid ${firstPid},`);
    expect(first.code, first.stderr).toBe(exitCodes.interrupted);
    expect(await readConfig(out)).toMatchObject({ epochs: 100000, seed: 0 });
    const epochs = (await readFile(join(out, 'logs', 'history.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).epoch);
    expect(epochs).toEqual(Array.from({ length: epochs.length }, (_, index) => index + 1));
    // The lock went with the first process.
    expect(await readdir(directory)).not.toContain('.shared-out.lock');
  });

  it('--out on an existing run is refused without --overwrite and replaced with it', async () => {
    const out = join(directory, 'existing');
    expect((await train(out, '--epochs', '2')).code).toBe(exitCodes.success);
    const before = await fileHashes(out);

    const refused = await train(out, '--epochs', '3');
    expect(refused.code).toBe(exitCodes.usage);
    expect(refused.stderr).toContain(`--out="${out}"`);
    expect(refused.stderr).toContain('pass --overwrite to replace it');
    expect(await fileHashes(out)).toEqual(before);

    // A replacement that fails puts the old run back, byte for byte.
    const failed = await runBinary(
      [
        'train',
        join(directory, 'no-such-data'),
        '--backbone',
        backbone,
        '--out',
        out,
        '--overwrite',
      ],
      { env },
    );
    expect(failed.code, failed.stderr).toBe(exitCodes.input);
    expect(failed.stderr).toContain(`graft: the previous run is back in ${out}.`);
    expect(await fileHashes(out)).toEqual(before);

    const replaced = await train(out, '--epochs', '3', '--overwrite');
    expect(replaced.code, replaced.stderr).toBe(exitCodes.success);
    expect(await readConfig(out)).toMatchObject({ epochs: 3 });
    expect(
      (await readFile(join(out, 'logs', 'history.jsonl'), 'utf8')).trim().split('\n'),
    ).toHaveLength(3);
    expect((await readdir(directory)).filter((name) => name.includes('existing'))).toEqual([
      'existing',
    ]);
  });

  it('a run that failed before its first checkpoint does not block the next one', async () => {
    const out = join(directory, 'failed-start');
    const missing = join(directory, 'no-such-data');
    for (const attempt of [1, 2]) {
      const result = await runBinary(['train', missing, '--backbone', backbone, '--out', out], {
        env,
      });
      expect(result.code, `attempt ${attempt}: ${result.stderr}`).toBe(exitCodes.input);
    }
  });

  it('SIGKILL during an overwrite leaves the old run whole beside the new one, never a mix', async () => {
    const out = join(directory, 'killed');
    expect((await train(out, '--epochs', '2')).code).toBe(exitCodes.success);
    const old = await fileHashes(out);
    let killedPid = 0;
    const killed = await trainUntilEpoch2(
      out,
      (pid, kill) => {
        killedPid = pid;
        kill('SIGKILL');
      },
      '--overwrite',
      // Another seed: with the same one, the new run's epoch-1 checkpoint would equal the old
      // run's byte for byte, and the no-mix check below could not tell them apart.
      '--seed',
      '9',
    );
    expect(killed.code).toBe(null);
    const aside = join(directory, `.killed.previous-${killedPid}`);
    expect(await fileHashes(aside)).toEqual(old);
    const now = await fileHashes(out);
    expect(await readConfig(out)).toMatchObject({ epochs: 100000 });
    // No file of the old run is in the new one (main left the old model and report beside the
    // new config).
    for (const [name, hash] of Object.entries(now)) expect(old[name], name).not.toBe(hash);
    expect(Object.keys(now).some((name) => name.startsWith('model'))).toBe(false);

    // The dead process's lock is taken over at once, and the kept run is pointed out.
    const again = await train(out, '--epochs', '2', '--overwrite');
    expect(again.code, again.stderr).toBe(exitCodes.success);
    expect(again.stderr).toContain(`note: ${aside} holds a run`);
  });
});

describe('full and read-only disks, SIGTERM (built binary)', () => {
  it.runIf(isRoot)('refuses to start when the disk has less room than the run needs', async () => {
    const disk = mountTmpfs(join(directory, 'tiny-disk'), 1024 * 1024);
    expect(disk, 'mount -t tmpfs works as root').toBeDefined();
    if (disk) disks.push(disk);
    const out = join(directory, 'tiny-disk', 'run');
    const result = await train(out, '--epochs', '2');
    expect(result.code, result.stderr).toBe(exitCodes.storage);
    expect(result.stderr).toMatch(
      new RegExp(
        `Cannot write ${out}: its disk has 1\\.0 MB free and this run .* needs about 18\\.4 MB`,
      ),
    );
    expect(result.stderr).not.toContain('loading backbone');
  });

  it.runIf(isRoot)('a disk that fills up during training is an error naming the file', async () => {
    const disk = mountTmpfs(join(directory, 'filling-disk'), 40 * 1024 * 1024);
    expect(disk, 'mount -t tmpfs works as root').toBeDefined();
    if (disk) disks.push(disk);
    const out = join(directory, 'filling-disk', 'run');
    const result = await trainUntilEpoch2(out, () => {
      // Fill the disk to the last byte while epochs run.
      const filler = join(directory, 'filling-disk', 'filler');
      void (async () => {
        const block = Buffer.alloc(1024 * 1024);
        for (let written = 0; written < 64; written++) {
          try {
            await writeFile(filler, block, { flag: 'a' });
          } catch {
            break;
          }
        }
      })();
    });
    expect(result.code, result.stderr).toBe(exitCodes.storage);
    expect(result.stderr).toMatch(
      new RegExp(`graft: Cannot write ${out}/\\S+: no space left on the device\\. Free up space`),
    );
  });

  it.runIf(isRoot)('a read-only output is an error naming the folder, not ENOENT', async () => {
    const disk = mountTmpfs(join(directory, 'read-only-disk'), 1024 * 1024);
    expect(disk, 'mount -t tmpfs works as root').toBeDefined();
    if (disk) disks.push(disk);
    disk?.makeReadOnly();
    const result = await train(join(directory, 'read-only-disk', 'runs', 'a'), '--epochs', '2');
    expect(result.code, result.stderr).toBe(exitCodes.storage);
    expect(result.stderr).toContain(
      `graft: Cannot write ${join(directory, 'read-only-disk', 'runs')}: the file system is read-only.`,
    );
  });

  it('SIGTERM stops after a checkpoint and says SIGTERM, not Ctrl-C', async () => {
    const out = join(directory, 'terminated');
    const result = await trainUntilEpoch2(out, (_pid, kill) => kill('SIGTERM'));
    expect(result.code).toBe(exitCodes.interrupted);
    expect(result.stderr).toContain('interrupted (SIGTERM): stopping after the current batch');
    expect(result.stderr).toContain(`graft: interrupted by SIGTERM. Epoch`);
    expect(result.stderr).not.toContain('Ctrl-C');
    expect(await readdir(directory)).not.toContain('.terminated.lock');
  });
});
