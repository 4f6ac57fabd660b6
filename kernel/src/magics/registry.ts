/** The one registry of magics: the kernel and the CLI both build it here. */
import { echoMagic, lsmagicMagic } from "./builtin";
import { MagicRegistry } from "./dispatch";
import { ribbonMagic } from "./ribbon";

export function createRegistry(): MagicRegistry {
  const registry = new MagicRegistry();
  registry.add(lsmagicMagic(registry));
  registry.add(echoMagic);
  registry.add(ribbonMagic);
  return registry;
}
