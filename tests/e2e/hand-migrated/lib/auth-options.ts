import type { NextAuthOptions } from 'next-auth'
import CredentialsProvider from 'next-auth/providers/credentials'

// Shared by the next-auth route and lib/auth.ts.
export const authOptions: NextAuthOptions = {
  // A fixed secret: the end-to-end requests carry a session token sealed with it.
  secret: 'routeshift-demo-secret-not-for-production',
  session: { strategy: 'jwt' },
  providers: [
    CredentialsProvider({
      name: 'Demo',
      credentials: { username: { label: 'Username', type: 'text' } },
      async authorize(credentials) {
        return credentials?.username ? { id: credentials.username, name: credentials.username } : null
      },
    }),
  ],
}
