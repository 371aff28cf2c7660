import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export type Loaded<T> = {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
};

/** Loads data when `deps` change; `reload()` loads again and keeps showing the old data meanwhile. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const call = ++latest.current;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => {
        if (call === latest.current) setState({ data, loading: false });
      },
      (error: unknown) => {
        if (call === latest.current)
          setState((previous) => ({ data: previous.data, error: asError(error), loading: false }));
      },
    );
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export type Action<A extends unknown[], T> = {
  run: (...args: A) => Promise<T | undefined>;
  busy: boolean;
  error: Error | undefined;
  result: T | undefined;
  reset: () => void;
};

/** A user-triggered call: tracks busy, the last result and the last error (shown next to the button). */
export function useAction<A extends unknown[], T>(fn: (...args: A) => Promise<T>): Action<A, T> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const [result, setResult] = useState<T | undefined>();
  const run = async (...args: A) => {
    setBusy(true);
    setError(undefined);
    try {
      const value = await fn(...args);
      setResult(value);
      return value;
    } catch (caught) {
      setError(asError(caught));
      setResult(undefined);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  const reset = () => {
    setError(undefined);
    setResult(undefined);
  };
  return { run, busy, error, result, reset };
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
