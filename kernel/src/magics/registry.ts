/** The one registry of magics: the kernel and the CLI both build it here. */
import { echoMagic, lsmagicMagic, sleepMagic, timeMagic } from "./builtin";
import { dataMagic } from "./data";
import { datasetMagic } from "./dataset";
import { MagicRegistry } from "./dispatch";
import { energyMagic } from "./energy";
import { ribbonMagic } from "./ribbon";
import { tpeMagic } from "./tpe";
import { tpeRunCommand } from "./tpe-run";

export function createRegistry(): MagicRegistry {
  const registry = new MagicRegistry();
  registry.add(lsmagicMagic(registry));
  registry.add(echoMagic);
  registry.add(sleepMagic);
  registry.add(timeMagic);
  // `%tpe run` (live trials) lives beside the replay commands in its own module.
  registry.add({ ...tpeMagic, commands: [...tpeMagic.commands, tpeRunCommand] });
  registry.add(energyMagic);
  registry.add(datasetMagic);
  registry.add(dataMagic);
  registry.add(ribbonMagic);
  return registry;
}
