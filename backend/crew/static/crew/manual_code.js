// The manual code printed on every label, read as backend/tags/codes.py reads it:
// eight random characters and a check character from a 31-symbol alphabet, valid when
// the weighted sum Σ (i+1)·value(cᵢ) is 0 mod 31, so a single wrong character or two
// swapped neighbours are caught as the crew types. Shown as ABCD-EFGH-K.

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTWXYZ";
const MODULUS = ALPHABET.length; // 31, a prime
// Characters people type for the ones the alphabet leaves out.
const LOOKALIKES = { O: "0", I: "1", L: "1" };

/** What was typed, as the code it means: no spaces or dashes, upper case, O→0, I/L→1. */
export function normalize(text) {
  return String(text ?? "")
    .replace(/[\s-]/g, "")
    .toUpperCase()
    .replace(/[OIL]/g, (c) => LOOKALIKES[c]);
}

/** True when every character is in the alphabet and the check character fits (a normalized code). */
export function isValid(code) {
  if (typeof code !== "string" || code.length < 2) return false;
  let sum = 0;
  for (let i = 0; i < code.length; i++) {
    const value = ALPHABET.indexOf(code[i]);
    if (value < 0) return false;
    sum += (i + 1) * value;
  }
  return sum % MODULUS === 0;
}

/** ABCDEFGHK → ABCD-EFGH-K, as printed on the label. */
export function format(code) {
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}
