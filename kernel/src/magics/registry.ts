/** The one registry of magics: the kernel and the CLI both build it here. */
import { echoMagic, lsmagicMagic } from "./builtin";
import { dataMagic, datasetMagic } from "./dataset";
import { MagicRegistry } from "./dispatch";

export function createRegistry(): MagicRegistry {
  const registry = new MagicRegistry();
  registry.add(lsmagicMagic(registry));
  registry.add(echoMagic);
  registry.add(datasetMagic);
  registry.add(dataMagic);
  return registry;
}
