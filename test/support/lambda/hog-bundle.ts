import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * A function bundle that allocates `event.mb` MiB and holds it — in the JavaScript heap
 * (`event.kind: 'heap'`) or outside it in Buffers (`'buffer'`) — to test the execution
 * environment's memory ceiling. Small allocations answer `{ held }`.
 */
const SOURCE = `
const held = [];
export const handler = async (event) => {
  for (let i = 0; i < event.mb; i++) {
    if (event.kind === 'heap') held.push(Array.from({ length: 131072 }, (_, j) => j + i * 0.5));
    else held.push(Buffer.alloc(1024 * 1024, i));
  }
  return { held: held.length };
};
`;

export async function writeHogBundle(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'index.mjs'), SOURCE);
  return dir;
}
