import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * One JSON file in the stack's data folder (`--data`): read once at start,
 * rewritten after changes. Bursts of changes coalesce into one write, writes
 * stay in order, and each lands atomically (a temp file, then a rename), with
 * mode 0600. Without a folder every operation does nothing.
 */
export class DataFile {
  readonly #dir: string | undefined;
  readonly #file: string;
  readonly #body: () => string | Promise<string>;
  readonly #onError: (error: unknown) => void;
  #writing: Promise<void> = Promise.resolve();
  #dirty = false;
  /** The last write failed: the file is behind until a write succeeds. */
  #failed = false;

  /**
   * @param dir - The data folder, or `undefined` for none.
   * @param file - The file's name inside it.
   * @param body - The file's content, computed when a write runs (a promise of it for content read from elsewhere).
   * @param onError - Told about a failed write (the next change tries again).
   */
  constructor(
    dir: string | undefined,
    file: string,
    body: () => string | Promise<string>,
    onError: (error: unknown) => void,
  ) {
    this.#dir = dir;
    this.#file = file;
    this.#body = body;
    this.#onError = onError;
  }

  /** The parsed file, or `undefined` without a folder or when the file does not exist yet. */
  async read(): Promise<unknown> {
    if (!this.#dir) return undefined;
    await mkdir(this.#dir, { recursive: true });
    let text: string;
    try {
      text = await readFile(join(this.#dir, this.#file), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    return JSON.parse(text);
  }

  /** Schedules a write of the current content. */
  save(): void {
    const dir = this.#dir;
    if (!dir || this.#dirty) return;
    this.#dirty = true;
    this.#writing = this.#writing
      .then(async () => {
        this.#dirty = false;
        const body = await this.#body();
        await mkdir(dir, { recursive: true });
        const tmp = join(dir, `${this.#file}.${process.pid}.tmp`);
        await writeFile(tmp, body, { mode: 0o600 });
        await rename(tmp, join(dir, this.#file));
        this.#failed = false;
      })
      .catch((error: unknown) => {
        this.#failed = true;
        this.#onError(error);
      });
  }

  /**
   * Resolves once every change so far is on disk, or its write failed. A
   * flush after a failed write writes once more, so a stop after a full disk
   * that has room again still writes the last change.
   */
  async flush(): Promise<void> {
    if (this.#failed) this.save();
    await this.#writing;
  }
}
