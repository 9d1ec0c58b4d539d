/** An email address that wraps before the `@` rather than mid-word on narrow screens. */
export function EmailText({ email, className }: { email: string; className?: string }) {
  const at = email.lastIndexOf("@");
  if (at <= 0) return <span className={className}>{email}</span>;
  return (
    <span className={className}>
      {email.slice(0, at)}
      <wbr />
      {email.slice(at)}
    </span>
  );
}
