/**
 * "1 message", "2 messages", "1 batch", "3 batches": a count in English text with its noun in the
 * right number. Regular plurals are made here (-s, or -es after s, x, z, ch, sh); pass an
 * irregular one.
 */
export function plural(count: number, singular: string, pluralForm?: string): string {
  const many = pluralForm ?? (/(s|x|z|ch|sh)$/.test(singular) ? `${singular}es` : `${singular}s`);
  return `${count.toLocaleString('en-US')} ${count === 1 ? singular : many}`;
}
