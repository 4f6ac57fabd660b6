/** StartupGate: the start-up compile begins after kernel_info is answered and quiet (kernel/src/kernel/startup.ts). */
import { StartupGate } from "../../kernel/src/kernel/startup";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function watch(g: StartupGate): { open: boolean } {
  const s = { open: false };
  void g.opened.then(() => (s.open = true));
  return s;
}

describe("StartupGate", () => {
  it("opens quietMs after the last kernel_info, not before", async () => {
    const g = new StartupGate(40, 1000);
    const s = watch(g);
    g.listening();
    g.kernelInfo();
    await sleep(25);
    g.kernelInfo(); // a second kernel_info (jupyter_client's IOPub check) postpones it
    await sleep(25);
    expect(s.open).toBe(false);
    await sleep(40);
    expect(s.open).toBe(true);
  });

  it("opens maxWaitMs after listening when no kernel_info comes", async () => {
    const g = new StartupGate(10, 50);
    const s = watch(g);
    await sleep(70);
    expect(s.open).toBe(false); // not listening yet: nothing to wait for
    g.listening();
    await sleep(30);
    expect(s.open).toBe(false);
    await sleep(40);
    expect(s.open).toBe(true);
  });

  it("stays open once opened", async () => {
    const g = new StartupGate(10, 50);
    g.open();
    await g.opened;
    g.kernelInfo();
    await expect(g.opened).resolves.toBeUndefined();
  });
});
