/** Yes/no words as people type them in flags and environment variables. */

const TRUE_WORDS = ["true", "yes", "1", "on"];
const FALSE_WORDS = ["false", "no", "0", "off"];

/** true for true/yes/1/on, false for false/no/0/off (any case); undefined for anything else. */
export function booleanWord(text: string): boolean | undefined {
  const t = text.toLowerCase();
  if (TRUE_WORDS.includes(t)) return true;
  if (FALSE_WORDS.includes(t)) return false;
  return undefined;
}
