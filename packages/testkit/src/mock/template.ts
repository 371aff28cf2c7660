/**
 * JSON templates compiled once: a response shape is serialised at module load with `"@@slot@@"`
 * markers, and each request only concatenates the static pieces with its few varying values. This
 * keeps the mock cheap enough to be the "direct" baseline of the benchmark.
 */

export type TemplateValues = Readonly<Record<string, string | number>>;
export type RenderTemplate = (values: TemplateValues) => string;

const SLOT = /"@@(\w+)@@"/g;

/** Marker to put in a shape where a value is substituted; the value is inserted as raw JSON text. */
export function slot(name: string): string {
  return `@@${name}@@`;
}

export function compileTemplate(shape: unknown): RenderTemplate {
  const json = JSON.stringify(shape);
  const statics: string[] = [];
  const names: string[] = [];
  let last = 0;
  for (const m of json.matchAll(SLOT)) {
    statics.push(json.slice(last, m.index));
    names.push(m[1] ?? '');
    last = m.index + m[0].length;
  }
  statics.push(json.slice(last));
  return (values) => {
    let out = statics[0] ?? '';
    for (let i = 0; i < names.length; i++) {
      const v = values[names[i] ?? ''];
      if (v === undefined) throw new Error(`template value missing: ${names[i]}`);
      out += v;
      out += statics[i + 1];
    }
    return out;
  };
}
