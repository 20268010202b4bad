const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i;

/**
 * True when a connection URL carries a password: in its user info (`user:password@`) or as a
 * `password` query parameter, which `pg` also reads.
 */
export const urlHasPassword = (url: string): boolean => {
  try {
    const parsed = new URL(url);
    return parsed.password !== '' || parsed.searchParams.has('password');
  } catch {
    return URL_WITH_PASSWORD.test(url) || /[?&]password=/i.test(url);
  }
};
