/** The one registry of magics: the kernel and the CLI both build it here. */
import { echoMagic, lsmagicMagic, sleepMagic, timeMagic } from "./builtin";
import { MagicRegistry } from "./dispatch";
import { tpeMagic } from "./tpe";

export function createRegistry(): MagicRegistry {
  const registry = new MagicRegistry();
  registry.add(lsmagicMagic(registry));
  registry.add(echoMagic);
  registry.add(sleepMagic);
  registry.add(timeMagic);
  registry.add(tpeMagic);
  return registry;
}
