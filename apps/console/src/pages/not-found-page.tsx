import { Link } from '../router.tsx';

export function NotFoundPage() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is no console page here. <Link href="/">Go to the overview</Link>.
      </p>
    </section>
  );
}
