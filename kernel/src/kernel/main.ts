/** `greenai kernel --config-path FILE`: the tslab-based kernel with magics. */
export async function kernelMain(_argv: string[]): Promise<number> {
  throw new Error("greenai kernel: under construction");
}
