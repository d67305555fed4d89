import * as React from "react";

import { Input } from "./input";
import { Label } from "./label";

/** A labelled text input; its id is `${idPrefix}-${name}`. */
export function TextField({
  label,
  name,
  idPrefix = "f",
  ...props
}: { label: string; name: string; idPrefix?: string } & React.InputHTMLAttributes<HTMLInputElement>) {
  const id = `${idPrefix}-${name}`;
  return (
    <div className="flex flex-col gap-1.5">
      <Label htmlFor={id}>{label}</Label>
      <Input id={id} name={name} {...props} />
    </div>
  );
}
