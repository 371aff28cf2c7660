/** Keys pasted or uploaded for a batch run: one per line (`key` or `name,key`), or CSV with a header row. */
export type BatchInputItem = { api_key: string; name?: string };

function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      cells.push(cell.trim());
      cell = '';
    } else cell += char;
  }
  cells.push(cell.trim());
  return cells;
}

export function parseBatchInput(text: string): BatchInputItem[] {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const first = lines[0];
  if (first === undefined) return [];
  const header = splitCsvLine(first).map((cell) => cell.toLowerCase());
  const keyColumn = header.findIndex((cell) => cell === 'api_key' || cell === 'key');
  if (keyColumn >= 0) {
    const nameColumn = header.indexOf('name');
    return lines.slice(1).flatMap((line) => {
      const cells = splitCsvLine(line);
      const apiKey = cells[keyColumn] ?? '';
      if (apiKey === '') return [];
      const name = nameColumn >= 0 ? cells[nameColumn] : undefined;
      return [{ api_key: apiKey, ...(name ? { name } : {}) }];
    });
  }
  return lines.map((line) => {
    const cells = splitCsvLine(line);
    if (cells.length >= 2) return { name: cells[0] ?? '', api_key: cells[1] ?? '' };
    return { api_key: cells[0] ?? '' };
  });
}
