/** Plates are compared without spaces, `·` (and look-alikes) or `-`, in upper case: 苏N·A1234 → 苏NA1234. */
export function normalizePlate(plate: string): string {
  return plate.replace(/[\s·•・.\-‐‑–—_]/g, '').toUpperCase();
}

/** A Chinese civil plate after normalising: province character, issuing-office letter, 5 or 6 characters. */
const PLATE = /^[\u4e00-\u9fa5][A-Z][A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9\u4e00-\u9fa5]$/;

export function isValidPlate(plate: string): boolean {
  return PLATE.test(normalizePlate(plate));
}
