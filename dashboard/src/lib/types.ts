// The API's shapes as the dashboard uses them (the OpenAPI document at
// /api/openapi.json is the full reference).

export type Role = "admin" | "manager" | "sales_rep";
export type LeadSource = "website" | "email" | "facebook" | "manual" | "sms" | "google";
export type LeadStatus = "new" | "contacted" | "qualified" | "won" | "lost" | "needs_review";
export type Channel = "email" | "sms" | "facebook" | "website" | "note";
export type Direction = "inbound" | "outbound" | "internal";
export type SenderType = "customer" | "ai" | "human" | "system";
export type VehicleStatus = "available" | "sold" | "reserved" | "demo_only";
export type FuelType = "bensin" | "diesel" | "electric" | "hybrid";

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface LeadAnalysis {
  intents: string[];
  urgency: "low" | "normal" | "high";
  channel_preference: "email" | "sms" | "phone" | "unknown";
  lead_score: number;
  explanation: string;
  analysed_by: string;
}

export interface Lead {
  id: string;
  dealership_id: string;
  source: LeadSource;
  status: LeadStatus;
  customer_name: string | null;
  customer_email: string | null;
  customer_phone: string | null;
  vehicle_interest: string | null;
  initial_message: string | null;
  lead_score: number | null;
  assigned_to: string | null;
  source_url: string | null;
  source_metadata: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  last_contact_at: string | null;
  converted_at: string | null;
  deleted_at: string | null;
  first_response_at: string | null;
  customer_replied_at: string | null;
  analysis: LeadAnalysis | null;
  erased_at: string | null;
  ai_mode?: ConversationMode | null;
  handover?: Handover | null;
  ai_draft?: AiDraft | null;
  handed_back?: { by: string; at: string } | null;
  overdue_at?: string | null;
  tags?: string[];
  /** In the inbox's rows: the running response clock. */
  response_clock?: ResponseClockState | null;
  version: number;
}

export interface ResponseClockState {
  kind: "first_contact" | "reply";
  started_at: string;
  remind_at: string;
  due_at: string;
}

/** `GET /api/leads`: a page, and on a poll the leads that left the list. */
export interface LeadPage extends Page<Lead> {
  removed?: string[];
}

export type TagColour = "grey" | "red" | "orange" | "green" | "teal" | "blue" | "violet" | "pink";

export interface Tag {
  id: string;
  name: string;
  colour: TagColour;
}

export interface CannedReply {
  id: string;
  title: string;
  body: string;
}

export interface SavedView {
  id: string;
  name: string;
  query: string;
}

export interface InboxSetup {
  tags: Tag[];
  canned_replies: CannedReply[];
  views: SavedView[];
}

export type ConversationMode = "auto" | "draft" | "off";

export type HandoverReason =
  | "asked_for_person"
  | "price"
  | "financing"
  | "trade_in"
  | "complaint"
  | "appointment"
  | "no_progress"
  | "model_asked"
  | "model_failed";

export interface Handover {
  reason: HandoverReason;
  detail: string | null;
  summary: string;
  message_id: string | null;
  at: string;
}

export interface AiDraft {
  id: string;
  text: string;
  channel: Channel;
  answers: string;
  metadata: Record<string, unknown>;
  created_at: string;
}

export interface Message {
  id: string;
  lead_id: string;
  channel: Channel;
  direction: Direction;
  sender: string;
  sender_type: SenderType;
  message_content: string;
  metadata: Record<string, unknown>;
  created_at: string;
}

export interface NotificationPreferences {
  new_lead_email: boolean;
  new_lead_sms: boolean;
  daily_summary: boolean;
  customer_reply_email: boolean;
  escalation_email: boolean;
}

export interface User {
  id: string;
  dealership_id: string;
  clerk_user_id: string;
  email: string;
  name: string | null;
  role: Role;
  notification_preferences: NotificationPreferences;
  active: boolean;
  away?: boolean;
  views?: SavedView[];
  created_at: string;
  version: number;
}

export interface Dealership {
  id: string;
  name: string;
  slug: string;
  email: string;
  phone: string | null;
  address: string | null;
  form_key: string;
  inbound_email: string;
  [key: string]: unknown;
}

export interface Me {
  clerk_user_id: string;
  role: Role;
  user: User | null;
  dealership: Dealership;
}

export interface Vehicle {
  id: string;
  make: string;
  model: string;
  year: number | null;
  vin: string | null;
  status: VehicleStatus;
  price: number | null;
  mileage: number | null;
  fuel_type: FuelType | null;
  listing_url: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export type Trigger =
  | { type: "new_lead" }
  | { type: "no_response"; hours: number }
  | { type: "time_based"; status: LeadStatus; days: number };

export interface Conditions {
  sources?: LeadSource[];
  statuses?: LeadStatus[];
  vehicle_contains?: string | null;
  min_score?: number | null;
  max_score?: number | null;
  has_email?: boolean | null;
  has_phone?: boolean | null;
}

export type Action =
  | { type: "send_email"; template?: { subject: string; body: string } | null }
  | { type: "send_sms"; template?: string | null }
  | { type: "assign"; to: { mode: "round_robin" } | { mode: "user"; user_id: string } }
  | { type: "set_status"; status: LeadStatus }
  | { type: "notify"; user_id?: string | null; emails?: string[]; note?: string | null };

export interface Step {
  delay_minutes: number;
  action: Action;
}

export interface AutomationRule {
  id: string;
  name: string;
  is_active: boolean;
  trigger: Trigger;
  conditions: Conditions;
  steps: Step[];
  created_at: string;
  updated_at: string;
  version: number;
}

export interface DryRunStep {
  index: number;
  action: string;
  due_at: string;
  due_at_oslo: string;
  due_text: string;
  channel: Channel | null;
  would_skip: string | null;
  subject: string | null;
  message: string | null;
  written_by: string | null;
}

export interface DryRun {
  rule_id: string;
  lead_id: string;
  conditions_match: boolean;
  armed_at: string;
  would_stop: string | null;
  steps: DryRunStep[];
}

export type AppointmentKind = "test_drive" | "viewing" | "trade_in_valuation";
export type AppointmentStatus = "booked" | "cancelled" | "showed" | "no_show";

export interface Appointment {
  id: string;
  dealership_id: string;
  lead_id: string;
  kind: AppointmentKind;
  start: string;
  end: string;
  vehicle_id: string | null;
  assigned_to: string | null;
  status: AppointmentStatus;
  booked_by: "customer" | "ai" | "staff";
  sequence: number;
  created_at: string;
  updated_at: string;
  version: number;
}
