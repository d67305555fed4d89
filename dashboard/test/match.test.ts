import { describe, expect, it } from "vitest";

import { matchVehicles } from "@/lib/match";
import type { Vehicle } from "@/lib/types";

const car = (make: string, model: string, id = model): Vehicle =>
  ({ id, make, model, year: 2024, status: "available", price: 1, mileage: 0, fuel_type: null, vin: null, listing_url: null }) as unknown as Vehicle;

const stock = [car("Toyota", "bZ4X"), car("Toyota", "RAV4 Plug-in Hybrid"), car("Volkswagen", "ID.4"), car("Toyota", "Corolla Touring Sports")];

describe("matching the vehicle interest to stock", () => {
  it("finds the model asked for", () => {
    expect(matchVehicles("Toyota bZ4X", stock).map((v) => v.model)).toEqual(["bZ4X"]);
  });

  it("ignores case and surrounding words", () => {
    expect(matchVehicles("ny rav4 til meg", stock).map((v) => v.model)).toEqual(["RAV4 Plug-in Hybrid"]);
  });

  it("suggests the make's cars when only the make is given", () => {
    expect(matchVehicles("Toyota", stock).map((v) => v.model)).toEqual(["bZ4X", "RAV4 Plug-in Hybrid", "Corolla Touring Sports"]);
  });

  it("finds nothing for another make", () => {
    expect(matchVehicles("Tesla Model Y", stock)).toEqual([]);
  });
});
