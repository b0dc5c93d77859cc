// Hands the page's LiveSession to every feature component.
import { createContext, useContext, type ReactNode } from 'react';
import type { LiveSession } from './live-session';

const SessionContext = createContext<LiveSession | null>(null);

export function SessionProvider({ session, children }: { session: LiveSession; children: ReactNode }) {
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): LiveSession {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
