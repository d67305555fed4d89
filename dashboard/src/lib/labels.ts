// Norwegian names for the API's codes.
import type {
  AppointmentKind,
  AppointmentStatus,
  Channel,
  ConversationMode,
  FuelType,
  HandoverReason,
  Lead,
  LeadSource,
  LeadStatus,
  Role,
  VehicleStatus,
} from "./types";

/** Who the lead is, in a list or a notification: name, else email, else phone. */
export function customerLabel(lead: Pick<Lead, "customer_name" | "customer_email" | "customer_phone">): string {
  return lead.customer_name ?? lead.customer_email ?? lead.customer_phone ?? "Ukjent kunde";
}

export const ROLE_LABEL: Record<Role, string> = {
  admin: "Administrator",
  manager: "Salgssjef",
  sales_rep: "Selger",
};

export const STATUS_LABEL: Record<LeadStatus, string> = {
  new: "Ny",
  contacted: "Kontaktet",
  qualified: "Kvalifisert",
  won: "Vunnet",
  lost: "Tapt",
  needs_review: "Må sjekkes",
};

export const STATUS_VARIANT: Record<LeadStatus, "info" | "secondary" | "warning" | "success" | "danger" | "outline"> = {
  new: "info",
  contacted: "secondary",
  qualified: "warning",
  won: "success",
  lost: "outline",
  needs_review: "danger",
};

export const SOURCE_LABEL: Record<LeadSource, string> = {
  website: "Nettside",
  email: "E-post",
  facebook: "Facebook",
  manual: "Manuell",
  sms: "SMS",
  google: "Google Ads",
};

export const CHANNEL_LABEL: Record<Channel, string> = {
  email: "E-post",
  sms: "SMS",
  facebook: "Facebook",
  website: "Nettskjema",
  note: "Notat",
};

export const VEHICLE_STATUS_LABEL: Record<VehicleStatus, string> = {
  available: "Tilgjengelig",
  reserved: "Reservert",
  sold: "Solgt",
  demo_only: "Demobil",
};

export const FUEL_LABEL: Record<FuelType, string> = {
  bensin: "Bensin",
  diesel: "Diesel",
  electric: "Elektrisk",
  hybrid: "Hybrid",
};

export const INTENT_LABEL: Record<string, string> = {
  test_drive: "Prøvekjøring",
  offer: "Pris/tilbud",
  trade_in: "Innbytte",
  financing: "Finansiering",
  availability: "Tilgjengelighet",
  service: "Service",
  other: "Annet",
};

export const URGENCY_LABEL: Record<string, string> = { low: "Lav", normal: "Normal", high: "Høy" };

export const LEAD_STATUSES = Object.keys(STATUS_LABEL) as LeadStatus[];
export const LEAD_SOURCES = Object.keys(SOURCE_LABEL) as LeadSource[];

/** Why a lead was handed to a person (the server's `HandoverReason::label`). */
export const HANDOVER_LABEL: Record<HandoverReason, string> = {
  asked_for_person: "Kunden vil snakke med en person",
  price: "Pris eller tilbud",
  financing: "Finansiering, leasing eller juridisk spørsmål",
  trade_in: "Innbyttevurdering",
  complaint: "Klage eller misnøye",
  appointment: "Avtale booket",
  no_progress: "Samtalen kommer ikke videre",
  model_asked: "AI-en mener en person bør svare",
  model_failed: "AI-en kunne ikke svare trygt",
};

export const CONVERSATION_MODE_LABEL: Record<ConversationMode, string> = {
  auto: "AI svarer selv",
  draft: "AI skriver utkast",
  off: "Bare første svar",
};

export const APPOINTMENT_KIND_LABEL: Record<AppointmentKind, string> = {
  test_drive: "Prøvekjøring",
  viewing: "Visning",
  trade_in_valuation: "Innbyttevurdering",
};

export const APPOINTMENT_STATUS_LABEL: Record<AppointmentStatus, string> = {
  booked: "Booket",
  cancelled: "Avbestilt",
  showed: "Møtte",
  no_show: "Møtte ikke",
};

export const BOOKED_BY_LABEL: Record<"customer" | "ai" | "staff", string> = {
  customer: "kunden",
  ai: "AI-en",
  staff: "en selger",
};
