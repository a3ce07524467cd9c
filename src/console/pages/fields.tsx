/** @jsxImportSource hono/jsx */
/**
 * Form fields, one way for every console form: a label tied to its input,
 * an optional hint, and the message of a rejected value next to it, both
 * linked by aria-describedby (the input says it is invalid, and why).
 */
import type { Child } from "hono/jsx";

interface Described {
  /** The input's id; its hint's and error's ids are made from it. */
  id: string;
  hint?: string | undefined;
  error?: string | undefined;
}

function ariaOf({ id, hint, error }: Described) {
  const ids = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean);
  return { "aria-describedby": ids.length > 0 ? ids.join(" ") : undefined, "aria-invalid": error ? "true" : undefined };
}

function Hint({ id, hint }: Described) {
  return hint ? (
    <p class="hint" id={`${id}-hint`}>
      {hint}
    </p>
  ) : null;
}

export function FieldError({ id, error }: Described) {
  return error ? (
    <p class="field-error" id={`${id}-error`}>
      {error}
    </p>
  ) : null;
}

export interface TextFieldProps extends Described {
  name: string;
  label: string;
  value: string;
  type?: "text" | "email" | "date";
  required?: boolean;
  inputmode?: "numeric" | "decimal";
  autocomplete?: string;
  maxlength?: number;
}

export function TextField(props: TextFieldProps) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <Hint {...props} />
      <input
        id={props.id}
        name={props.name}
        type={props.type ?? "text"}
        value={props.value}
        required={props.required}
        inputmode={props.inputmode}
        autocomplete={props.autocomplete}
        maxlength={props.maxlength}
        {...ariaOf(props)}
      />
      <FieldError {...props} />
    </div>
  );
}

export interface CheckboxFieldProps extends Described {
  name: string;
  label: string;
  checked: boolean;
}

export function CheckboxField(props: CheckboxFieldProps) {
  return (
    <div class="field checkbox">
      <input id={props.id} name={props.name} type="checkbox" value="1" checked={props.checked} {...ariaOf(props)} />
      <label for={props.id}>{props.label}</label>
      <Hint {...props} />
      <FieldError {...props} />
    </div>
  );
}

export interface SelectFieldProps extends Described {
  name: string;
  label: string;
  autocomplete?: string;
  /** The <option> elements. */
  children: Child;
}

export function SelectField(props: SelectFieldProps) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <Hint {...props} />
      <select id={props.id} name={props.name} autocomplete={props.autocomplete} {...ariaOf(props)}>
        {props.children}
      </select>
      <FieldError {...props} />
    </div>
  );
}
