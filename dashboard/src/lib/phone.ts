// +47 numbers for reading and dialling. Apart from format.ts, so that only
// the screens that show a number load the phone-number metadata.
import { parsePhoneNumberFromString } from "libphonenumber-js/min";

/**
 * A phone number for reading: `+47 912 34 567` for Norwegian mobiles (4x,
 * 9x and 59) and service numbers (8xx), `+47 32 21 00 00` for landlines, the international format otherwise.
 * Returns the input unchanged when it is not a phone number.
 */
export function formatPhone(value: string | null | undefined): string {
  if (!value) return "";
  const parsed = parsePhoneNumberFromString(value, "NO");
  if (!parsed || !parsed.isPossible()) return value;
  if (parsed.countryCallingCode === "47") {
    const n = parsed.nationalNumber;
    if (n.length === 8) {
      const grouped = /^(?:[489]|59)/.test(n)
        ? `${n.slice(0, 3)} ${n.slice(3, 5)} ${n.slice(5)}`
        : `${n.slice(0, 2)} ${n.slice(2, 4)} ${n.slice(4, 6)} ${n.slice(6)}`;
      return `+47 ${grouped}`;
    }
  }
  return parsed.formatInternational();
}

/** `tel:` link target in E.164. */
export function phoneHref(value: string): string {
  const parsed = parsePhoneNumberFromString(value, "NO");
  return `tel:${parsed?.number ?? value.replace(/\s+/g, "")}`;
}
