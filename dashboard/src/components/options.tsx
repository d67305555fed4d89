// The <option> lists several selects share.
import { LEAD_STATUSES, STATUS_LABEL } from "@/lib/labels";
import type { User } from "@/lib/types";

export function StatusOptions() {
  return (
    <>
      {LEAD_STATUSES.map((s) => (
        <option key={s} value={s}>
          {STATUS_LABEL[s]}
        </option>
      ))}
    </>
  );
}

/** The dealership's active people, by name. */
export function PeopleOptions({ users, except }: { users: User[]; except?: string }) {
  return (
    <>
      {users
        .filter((u) => u.active && u.id !== except)
        .map((u) => (
          <option key={u.id} value={u.id}>
            {u.name ?? u.email}
          </option>
        ))}
    </>
  );
}
