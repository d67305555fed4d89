import type { Vehicle } from "./types";

const STOP_WORDS = new Set(["ny", "brukt", "til", "og", "med", "på", "en", "et", "den", "det"]);

/** Cars in stock whose make or model appears in what the customer asked about. */
export function matchVehicles(interest: string, vehicles: Vehicle[]): Vehicle[] {
  const words = interest
    .toLocaleLowerCase("nb")
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 1 && !STOP_WORDS.has(w));
  const score = (v: Vehicle) => {
    const model = v.model.toLocaleLowerCase("nb");
    const make = v.make.toLocaleLowerCase("nb");
    return words.reduce((s, w) => s + (model.split(/\s+/).includes(w) || model === w ? 3 : 0) + (make === w ? 1 : 0), 0);
  };
  return vehicles
    .map((v) => [score(v), v] as const)
    .filter(([s]) => s > 1 || (s === 1 && words.length === 1))
    .sort((a, b) => b[0] - a[0])
    .slice(0, 3)
    .map(([, v]) => v);
}
